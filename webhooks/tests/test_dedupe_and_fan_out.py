"""Who gets which event, once: an organization's endpoint hears its organization's events of the
types it chose; a platform endpoint hears every organization's and the platform-wide ones; a
disabled endpoint hears nothing; fanning out twice (or emitting the same happening twice) makes
no second delivery."""

from __future__ import annotations

import pytest
from django.db import transaction

from accounts.tests.factories import MembershipFactory, OrganizationFactory, TOTPDeviceFactory, UserFactory
from core.events import EventType, event_emit
from core.models import Event
from webhooks.delivery import deliver_due
from webhooks.fanout import fan_out_pending
from webhooks.models import WebhookDelivery
from webhooks.services import endpoint_create, endpoint_disable

from .conftest import emit

pytestmark = pytest.mark.django_db


def _pairs():
    return sorted(WebhookDelivery.objects.values_list("endpoint__description", "event__key"))


def test_each_endpoint_gets_what_it_chose_once(receiver, issuer_admin, issuer_org, operator):
    other_org = OrganizationFactory(name="Other K.K.")
    other_admin = UserFactory(email="admin@other.test", role="issuer")
    MembershipFactory(user=other_admin, organization=other_org, role="admin")
    TOTPDeviceFactory(user=other_admin)
    url = receiver.url
    endpoint_create(actor=issuer_admin, organization=issuer_org, url=url, description="ours",
                    event_types=[EventType.SUBSCRIPTION_CHANGED, EventType.BREAK_FOUND])
    endpoint_create(actor=issuer_admin, organization=issuer_org, url=url, description="ours-kyc",
                    event_types=[EventType.KYC_DECIDED])
    endpoint_create(actor=other_admin, organization=other_org, url=url, description="theirs",
                    event_types=[EventType.SUBSCRIPTION_CHANGED])
    endpoint_create(actor=operator, url=url, description="platform", event_types=list(EventType.values))
    quiet, _s = endpoint_create(actor=issuer_admin, organization=issuer_org, url=url, description="quiet",
                                event_types=[EventType.SUBSCRIPTION_CHANGED])
    endpoint_disable(endpoint=quiet, actor=issuer_admin)

    emit(EventType.SUBSCRIPTION_CHANGED, key="sub:1", organization_id=issuer_org.pk)
    emit(EventType.SUBSCRIPTION_CHANGED, key="sub:2", organization_id=other_org.pk)
    emit(EventType.KYC_DECIDED, key="kyc:1", organization_id=None)          # platform-wide
    emit(EventType.TRADE_SETTLED, key="trade:1", organization_id=issuer_org.pk)

    assert fan_out_pending() == 6
    assert _pairs() == [("ours", "sub:1"), ("platform", "kyc:1"), ("platform", "sub:1"), ("platform", "sub:2"),
                        ("platform", "trade:1"), ("theirs", "sub:2")]
    assert not Event.objects.filter(fanned_out_at__isnull=True).exists()


def test_fanning_out_twice_or_emitting_twice_makes_one_delivery(receiver, issuer_admin, issuer_org):
    endpoint_create(actor=issuer_admin, organization=issuer_org, url=receiver.url,
                    event_types=[EventType.BREAK_FOUND])
    emit(EventType.BREAK_FOUND, key="break:9", organization_id=issuer_org.pk)
    emit(EventType.BREAK_FOUND, key="break:9", organization_id=issuer_org.pk)    # a retried use case
    assert Event.objects.count() == 1
    assert fan_out_pending() == 1
    assert fan_out_pending() == 0
    Event.objects.update(fanned_out_at=None)      # as if a crash lost the mark: the constraint still holds
    assert fan_out_pending() == 0
    assert WebhookDelivery.objects.count() == 1
    assert deliver_due() == 1 and deliver_due() == 0
    assert len(receiver.received) == 1


def test_a_kick_that_cannot_reach_the_broker_does_not_fail_the_commit(settings, monkeypatch, issuer_org, caplog,
                                                                     django_capture_on_commit_callbacks):
    """The hook runs after the deciding commit: a broker outage is logged, the event waits for
    the sweep, and the business action still answers."""
    from webhooks import tasks

    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    settings.EVENTS_AFTER_COMMIT = "webhooks.tasks.fan_out_kick"
    monkeypatch.setattr(tasks, "_send", down)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        event_emit(type=EventType.BREAK_FOUND, key="break:kick", organization_id=issuer_org.pk, data={})
    assert len(callbacks) == 1
    assert Event.objects.filter(key="break:kick", fanned_out_at__isnull=True).exists()
    assert "fan-out kick could not be sent" in caplog.text
