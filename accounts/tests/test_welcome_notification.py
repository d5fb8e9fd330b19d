"""Signing up leaves a welcome notification, e-mailed after commit in the language the person
signed up in (kept on the account for later messages)."""

import pytest
from django.core import mail
from django.utils import translation

from accounts.services import company_sign_up, user_sign_up
from notifications.kinds import Kind
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_investor_sign_up_in_japanese_is_welcomed_in_japanese(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), translation.override("ja"):
        user = user_sign_up(email="hana@example.test", password="a-long-pass-phrase-42")
    assert user.language == "ja"
    assert Notification.objects.get(recipient=user).kind == Kind.SIGN_UP
    assert [m.subject for m in mail.outbox] == ["Shoken へようこそ"]


def test_company_sign_up_is_welcomed_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        membership = company_sign_up(email="cfo@sakura.test", password="a-long-pass-phrase-42",
                                     company_name="Sakura K.K.")
    assert list(Notification.objects.filter(recipient=membership.user).values_list("kind", flat=True)) == [
        Kind.SIGN_UP]
    assert mail.outbox[0].to == ["cfo@sakura.test"] and "Welcome" in mail.outbox[0].subject


def test_signing_in_in_japanese_keeps_japanese_for_later_messages(client, outsider, password):
    assert outsider.language == ""
    client.post("/accounts/login/", {"email": outsider.email, "password": password}, HTTP_ACCEPT_LANGUAGE="ja")
    outsider.refresh_from_db()
    assert outsider.language == "ja"
