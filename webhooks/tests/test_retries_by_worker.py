"""A real Celery worker (on the Redis broker, on this test's own queue) sends a delivery the
receiver refuses at first, retries it after WEBHOOK_RETRY_DELAYS[0] with a countdown, and the
second attempt is accepted; every attempt is one log row. The fan-out is kicked after the commit
that wrote the event (settings.EVENTS_AFTER_COMMIT), as in production."""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app
from core.events import EventType
from webhooks.models import WebhookAttempt, WebhookDelivery
from webhooks.services import endpoint_create

from .conftest import emit

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = f"test-webhooks-retry-{os.environ.get('TEST_DB_NAME', 'test')}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _wait(condition, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the worker did not get there in time"
        time.sleep(0.05)


def test_a_refused_delivery_is_retried_with_backoff_by_a_worker(receiver, issuer_admin, issuer_org, settings):
    settings.EVENTS_AFTER_COMMIT = "webhooks.tasks.fan_out_kick"
    settings.WEBHOOK_KICK_QUEUE = QUEUE
    settings.WEBHOOK_RETRY_DELAYS = [0.5, 0.5]
    receiver.statuses = [503, 200]
    endpoint, secret = endpoint_create(actor=issuer_admin, organization=issuer_org, url=receiver.url,
                                       event_types=[EventType.SETTLEMENT_SETTLED])
    receiver.secrets = {"current": secret}

    with start_worker(app, queues=[QUEUE], pool="threads", concurrency=2, perform_ping_check=False,
                      shutdown_timeout=30):
        event = emit(EventType.SETTLEMENT_SETTLED, key="settlement:7:settled", organization_id=issuer_org.pk,
                     data={"settlement": 7, "units": "10", "price": {"amount": "1000", "currency": "JPY"}})
        _wait(lambda: WebhookDelivery.objects.filter(status=WebhookDelivery.Status.SUCCEEDED).exists())

    first, second = receiver.wait_for(2)
    assert [r.headers["Shoken-Event-Id"] for r in (first, second)] == [str(event.uid)] * 2
    assert first.body == second.body and first.signatures_ok == second.signatures_ok == {"current": True}
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.attempts, delivery.next_attempt_at, delivery.last_status_code) == (2, None, 200)
    attempts = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("number"))
    assert [(a.number, a.status_code, a.succeeded, a.error, a.manual) for a in attempts] == [
        (1, 503, False, "http_status:503", False), (2, 200, True, "", False)]
    # the retry waited for its delay (a countdown, not an immediate resend)
    assert attempts[1].started_at - attempts[0].started_at >= dt.timedelta(seconds=0.5)
    assert len(receiver.received) == 2


def test_the_sweep_catches_what_no_kick_announced(receiver, operator, settings):
    """An event committed while the kick was lost (EVENTS_AFTER_COMMIT empty): beat's sweep, run
    by a worker, fans it out and sends it."""
    settings.EVENTS_AFTER_COMMIT = ""
    _endpoint, secret = endpoint_create(actor=operator, url=receiver.url, event_types=[EventType.KYC_DECIDED])
    receiver.secrets = {"current": secret}
    event = emit(EventType.KYC_DECIDED, key="kyc:5:approved", organization_id=None, data={"review": 5})

    with start_worker(app, queues=[QUEUE], pool="threads", concurrency=1, perform_ping_check=False,
                      shutdown_timeout=30):
        result = app.send_task("webhooks.sweep", queue=QUEUE)
        assert result.get(timeout=60) == {"fanned_out": 1, "attempts": 1}

    [got] = receiver.wait_for(1)
    assert got.headers["Shoken-Event-Id"] == str(event.uid) and got.signatures_ok == {"current": True}
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.SUCCEEDED
