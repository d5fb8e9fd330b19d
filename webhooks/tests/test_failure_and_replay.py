"""A delivery the receiver refuses at every attempt fails once WEBHOOK_RETRY_DELAYS runs out;
each attempt is a log row. Replayed by hand (API, then page) it goes again with the same event
id and body, logged as a manual attempt of the person, and audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import force_login_verified
from core.events import EventType
from core.models import AuditEvent
from webhooks.delivery import deliver_due
from webhooks.fanout import fan_out_pending
from webhooks.models import WebhookAttempt, WebhookDelivery
from webhooks.services import endpoint_create

from .conftest import api, emit

pytestmark = pytest.mark.django_db


def _later(seconds: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=seconds)


@pytest.fixture
def failed(receiver, issuer_admin, issuer_org):
    """A delivery that failed all its attempts (three: WEBHOOK_RETRY_DELAYS has two delays in tests)."""
    receiver.statuses = [500]
    endpoint, secret = endpoint_create(actor=issuer_admin, organization=issuer_org, url=receiver.url,
                                       event_types=[EventType.PAYMENT_RUN_PAID])
    receiver.secrets = {"current": secret}
    event = emit(EventType.PAYMENT_RUN_PAID, key="batch:3:paid", organization_id=issuer_org.pk,
                 data={"corporate_action": 2, "batch": 3, "lines": 12, "total": "120000"})
    fan_out_pending()
    assert deliver_due() == 1
    assert deliver_due() == 0                     # the retry is not due yet
    assert deliver_due(now=_later(60)) == 1
    assert deliver_due(now=_later(120)) == 1
    assert deliver_due(now=_later(3600)) == 0     # nothing more: it failed for good
    return WebhookDelivery.objects.get(endpoint=endpoint), event


def test_a_delivery_fails_after_its_last_retry(failed, receiver):
    delivery, event = failed
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 3, None)
    assert delivery.last_status_code == 500 and delivery.last_error == "http_status:500"
    assert list(WebhookAttempt.objects.filter(delivery=delivery).values_list("number", "status_code", "manual")) == [
        (1, 500, False), (2, 500, False), (3, 500, False)]
    assert [r.headers["Shoken-Event-Id"] for r in receiver.received] == [str(event.uid)] * 3


def test_a_failed_delivery_is_replayed_by_hand_through_the_api(failed, receiver, issuer_admin):
    delivery, event = failed
    receiver.statuses = [200]   # the receiver is fixed
    response = api(issuer_admin).post(f"/api/webhooks/deliveries/{delivery.pk}/replay/")

    assert response.status_code == 200, response.content
    assert response.json() | {"started_at": None, "duration_ms": None} == {
        "number": 4, "status_code": 200, "succeeded": True, "error": "", "response_excerpt": "status 200",
        "manual": True, "actor": issuer_admin.pk, "started_at": None, "duration_ms": None}
    replayed = receiver.received[-1]
    assert replayed.headers["Shoken-Event-Id"] == str(event.uid) and replayed.body == receiver.received[0].body
    assert replayed.signatures_ok == {"current": True}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 3)   # a replay does not use up a retry
    audit = AuditEvent.objects.get(action="webhook.delivery_replayed")
    assert audit.actor == issuer_admin and audit.object_id == str(delivery.pk)
    assert audit.new_values == {"event": str(event.uid), "attempt": 4, "status_code": 200, "succeeded": True}

    detail = api(issuer_admin).get(f"/api/webhooks/deliveries/{delivery.pk}/").json()
    assert [a["number"] for a in detail["attempt_log"]] == [1, 2, 3, 4] and detail["body"]["id"] == str(event.uid)


def test_a_replay_that_fails_again_leaves_the_delivery_failed_and_logs_it(failed, receiver, issuer_admin):
    delivery, _event = failed
    response = api(issuer_admin).post(f"/api/webhooks/deliveries/{delivery.pk}/replay/")
    assert response.status_code == 200 and response.json()["succeeded"] is False
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempt_rows.count() == 4


def test_a_failed_delivery_is_replayed_from_its_page(failed, receiver, issuer_admin, client):
    delivery, event = failed
    receiver.statuses = [204]
    force_login_verified(client, issuer_admin)
    page = client.get(reverse("webhooks:delivery", args=[delivery.pk]))
    assert page.status_code == 200 and str(event.uid) in page.content.decode()
    assert page.content.decode().count('data-testid="attempt-') == 3

    response = client.post(reverse("webhooks:delivery", args=[delivery.pk]), follow=True)
    assert response.status_code == 200
    assert "204" in response.content.decode()
    assert receiver.received[-1].headers["Shoken-Event-Id"] == str(event.uid)
    attempt = WebhookAttempt.objects.get(delivery=delivery, number=4)
    assert attempt.manual and attempt.actor == issuer_admin and attempt.status_code == 204
    assert AuditEvent.objects.filter(action="webhook.delivery_replayed", actor=issuer_admin).count() == 1


def test_a_disabled_endpoint_refuses_a_replay(failed, issuer_admin):
    delivery, _event = failed
    client = api(issuer_admin)
    assert client.post(f"/api/webhooks/endpoints/{delivery.endpoint_id}/disable/").json()["status"] == "disabled"
    response = client.post(f"/api/webhooks/deliveries/{delivery.pk}/replay/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "endpoint_disabled"
    assert delivery.attempt_rows.count() == 3
