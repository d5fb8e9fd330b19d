"""notify(): one row per (recipient, event), e-mailed once after commit in the recipient's
language; nothing when the deciding transaction rolls back."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from accounts.models import Role
from accounts.tests.factories import UserFactory
from notifications.kinds import TEXTS, Kind, text_for
from notifications.models import Notification
from notifications.services import SEND_INLINE_MAX, notify, notify_each, send_pending, send_pending_sweep

pytestmark = pytest.mark.django_db


def _notify(**kwargs):
    with transaction.atomic():
        return notify(**{"event": "kyc.decided:1", "kind": Kind.KYC_DECIDED, "link": "/investors/",
                         "params": {"outcome": "approved"}, **kwargs})


def test_one_row_and_one_email_per_event_even_when_notified_twice(django_capture_on_commit_callbacks):
    user = UserFactory(email="hana@example.test", role=Role.INVESTOR, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        _notify(recipients=[user])
    with django_capture_on_commit_callbacks(execute=True):
        _notify(recipients=[user, user])
    assert Notification.objects.filter(recipient=user).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hana@example.test"]
    assert mail.outbox[0].subject == "Your identity verification was approved"
    assert Notification.objects.get(recipient=user).emailed_at is not None


@override_settings(SITE_URL="https://shoken.example")
def test_email_in_the_recipients_language_with_the_absolute_link(django_capture_on_commit_callbacks):
    user = UserFactory(email="taro@example.test", role=Role.INVESTOR, language="ja")
    with django_capture_on_commit_callbacks(execute=True):
        _notify(recipients=[user], params={"outcome": "rejected", "reason": "書類が不鮮明"})
    message = mail.outbox[0]
    assert message.subject == "本人確認は承認されませんでした"
    assert "書類が不鮮明" in message.body
    assert "https://shoken.example/investors/" in message.body
    assert "https://shoken.example/notifications/" in message.body


def test_rolled_back_decision_sends_and_keeps_nothing(django_capture_on_commit_callbacks):
    user = UserFactory(role=Role.INVESTOR)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(event="x:1", recipients=[user], kind=Kind.SIGN_UP)
            raise RuntimeError("the decision failed")
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_unknown_kind_is_refused():
    user = UserFactory(role=Role.INVESTOR)
    with pytest.raises(ValueError), transaction.atomic():
        notify(event="x:1", recipients=[user], kind="nonsense")


def test_a_second_sender_of_the_same_rows_sends_nothing(django_capture_on_commit_callbacks):
    user = UserFactory(role=Role.INVESTOR)
    with django_capture_on_commit_callbacks(execute=True):
        _notify(recipients=[user])
    assert send_pending(pairs=[("kyc.decided:1", user.pk)]) == 0
    assert len(mail.outbox) == 1


def test_a_failed_email_is_released_for_a_later_try(django_capture_on_commit_callbacks, monkeypatch):
    user = UserFactory(role=Role.INVESTOR)

    def smtp_down(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("notifications.services.send_mail", smtp_down)
    with django_capture_on_commit_callbacks(execute=True):
        _notify(recipients=[user])
    assert Notification.objects.get(recipient=user).emailed_at is None
    monkeypatch.undo()
    assert send_pending(pairs=[("kyc.decided:1", user.pk)]) == 1
    assert len(mail.outbox) == 1


def test_inactive_people_are_not_notified():
    user = UserFactory(role=Role.INVESTOR, is_active=False)
    assert _notify(recipients=[user]) == 0
    assert not Notification.objects.exists()


@pytest.mark.parametrize(("kind", "outcome"), list(TEXTS))
def test_every_text_renders_in_japanese_without_missing_parameters(kind, outcome):
    with translation.override("ja"):
        subject, body = text_for(kind, {"outcome": outcome})
    assert subject and body
    assert "%(" not in subject + body
    assert not any(word in subject + body for word in ("Your", "The ", "was ", "You "))   # translated


def test_a_large_fan_out_is_left_to_the_sweep(django_capture_on_commit_callbacks):
    users = UserFactory.create_batch(SEND_INLINE_MAX + 1, role=Role.INVESTOR)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify_each(kind=Kind.PAYMENT_RECEIVED, link="/servicing/income/",
                    items=[(f"payment.received:7:{u.pk}", u.pk, {"amount": "100 JPY"}) for u in users])
    assert mail.outbox == []
    assert send_pending_sweep(limit=SEND_INLINE_MAX) == SEND_INLINE_MAX
    assert send_pending_sweep() == 1
    assert send_pending_sweep() == 0
    assert len(mail.outbox) == SEND_INLINE_MAX + 1
