"""A delivery reaches a real receiver signed: the receiver recomputes HMAC-SHA256(secret,
"<timestamp>.<raw body>") and finds it in Shoken-Signature, the timestamp is its clock's, and
the body carries the event id it can deduplicate on."""

from __future__ import annotations

import json
import time

import pytest

from core.events import EventType
from webhooks.delivery import deliver_due
from webhooks.fanout import fan_out_pending
from webhooks.models import WebhookAttempt, WebhookDelivery
from webhooks.services import endpoint_create
from webhooks.signing import signature, verify

from .conftest import emit

pytestmark = pytest.mark.django_db


def test_a_delivery_is_signed_and_the_receiver_verifies_it(receiver, issuer_admin, issuer_org):
    endpoint, secret = endpoint_create(actor=issuer_admin, organization=issuer_org, url=receiver.url,
                                       event_types=[EventType.SUBSCRIPTION_CHANGED], description="back office")
    receiver.secrets = {"current": secret, "wrong": "whsec_not-the-secret"}
    event = emit(EventType.SUBSCRIPTION_CHANGED, key="subscription:1:accepted", organization_id=issuer_org.pk,
                 data={"subscription": 1, "status": "accepted", "previous_status": "funded", "units": "5"})

    assert fan_out_pending() == 1
    assert deliver_due() == 1

    [got] = receiver.wait_for(1)
    assert got.signatures_ok == {"current": True, "wrong": False}
    assert got.path == "/hooks/shoken?source=test"
    assert got.headers["Shoken-Event-Id"] == str(event.uid)
    assert got.headers["Shoken-Event-Type"] == "subscription.changed"
    assert got.headers["Content-Type"] == "application/json"
    timestamp = int(got.headers["Shoken-Timestamp"])
    assert abs(time.time() - timestamp) < 300
    assert got.headers["Shoken-Signature"] == f"t={timestamp},v1={signature(secret, timestamp, got.body)}"
    assert json.loads(got.body) == {
        "id": str(event.uid), "type": "subscription.changed",
        "created": event.created_at.isoformat().replace("+00:00", "Z"), "organization": issuer_org.pk,
        "data": {"subscription": 1, "status": "accepted", "previous_status": "funded", "units": "5"}}

    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED and delivery.attempts == 1
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert (attempt.number, attempt.status_code, attempt.succeeded, attempt.manual) == (1, 200, True, False)
    assert attempt.response_excerpt == "status 200"


def test_a_changed_body_or_an_old_timestamp_does_not_verify():
    body = b'{"id":"e1"}'
    header = f"t=1700000000,v1={signature('whsec_s', 1700000000, body)}"
    assert verify(header, body, "whsec_s", now=1700000010)
    assert not verify(header, b'{"id":"e2"}', "whsec_s", now=1700000010)     # body changed
    assert not verify(header, body, "whsec_s", now=1700000000 + 301)         # too old: a replayed capture
    assert not verify("v1=" + signature("whsec_s", 1700000000, body), body, "whsec_s", now=1700000000)


def test_the_response_excerpt_is_capped(receiver, issuer_admin, issuer_org, settings):
    settings.WEBHOOK_RESPONSE_EXCERPT_BYTES = 4
    endpoint_create(actor=issuer_admin, organization=issuer_org, url=receiver.url,
                    event_types=[EventType.BREAK_FOUND])
    emit(EventType.BREAK_FOUND, key="break:1", organization_id=issuer_org.pk)
    fan_out_pending()
    deliver_due()
    assert WebhookAttempt.objects.get().response_excerpt == "stat"
