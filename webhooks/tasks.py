"""Celery tasks of the webhooks app (thin: the logic lives in fanout.py and delivery.py).

  webhooks.fan_out        after a commit that wrote events (fan_out_kick): make the deliveries,
                          then one webhooks.deliver per delivery
  webhooks.deliver        one attempt at one delivery; on a failure the retry is sent with a
                          countdown of WEBHOOK_RETRY_DELAYS[n] (delays above
                          WEBHOOK_COUNTDOWN_MAX_SECONDS are left to the sweep: a message held
                          longer than the broker's visibility timeout would be handed out twice)
  webhooks.sweep          beat: events a lost kick left behind, and every due delivery

Every one is idempotent: a delivery is sent under a lease (delivery.py), so a task redelivered
after a worker died, or a sweep meeting a countdown task, sends it once.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app, shared_task
from django.conf import settings
from django.utils import timezone

from .delivery import deliver_due, delivery_send
from .fanout import fan_out_new, fan_out_pending

logger = logging.getLogger(__name__)

FAN_OUT_TASK = "webhooks.fan_out"
DELIVER_TASK = "webhooks.deliver"
#: Queues the routes send to (config/celery_routes.py): a follow-up of a task that came from one
#: of them is routed again by its own name, not pinned to it; any other queue (a test's) is kept.
ROUTED_PREFIXES = ("webhooks.", "chain.", "servicing.", "notifications.")


def _queue_of(task: Any) -> str | None:
    queue = (task.request.delivery_info or {}).get("routing_key")
    if not queue or queue == task.app.conf.task_default_queue or queue.startswith(ROUTED_PREFIXES):
        return None
    return queue


def _send(app: Any, name: str, queue: str | None, **options: Any) -> None:
    app.send_task(name, **({"queue": queue} if queue else {}), **options)


def fan_out_kick() -> None:
    """settings.EVENTS_AFTER_COMMIT: ask a worker to fan the new events out
    (WEBHOOK_KICK_QUEUE names a queue of its own, e.g. a test's; else the routes decide). It
    runs after the deciding commit: a broker that cannot be reached is logged, never raised
    into the request that already committed; beat's sweep fans the events out later."""
    try:
        _send(current_app, FAN_OUT_TASK, getattr(settings, "WEBHOOK_KICK_QUEUE", "") or None)
    except Exception:
        logger.exception("webhooks: the fan-out kick could not be sent; the periodic sweep will fan out")


@shared_task(bind=True, name=FAN_OUT_TASK, acks_late=True, reject_on_worker_lost=True)
def fan_out_task(self: Any) -> int:
    ids = fan_out_new()
    queue = _queue_of(self)
    for pk in ids:
        _send(self.app, DELIVER_TASK, queue, args=[pk])
    return len(ids)


@shared_task(bind=True, name=DELIVER_TASK, acks_late=True, reject_on_worker_lost=True)
def deliver_task(self: Any, delivery_id: int) -> dict:
    outcome = delivery_send(delivery_id)
    if outcome.retry_at is not None:
        countdown = max((outcome.retry_at - timezone.now()).total_seconds(), 0.0)
        if countdown <= float(settings.WEBHOOK_COUNTDOWN_MAX_SECONDS):
            _send(self.app, DELIVER_TASK, _queue_of(self), args=[delivery_id], countdown=countdown)
    return {"delivery": delivery_id, "sent": outcome.sent, "succeeded": outcome.succeeded}


@shared_task(bind=True, name="webhooks.sweep", acks_late=True, reject_on_worker_lost=True)
def sweep_task(self: Any) -> dict:
    """Beat, every WEBHOOK_SWEEP_SECONDS: fan out what is pending, send what is due."""
    made = fan_out_pending()
    return {"fanned_out": made, "attempts": deliver_due(limit=int(settings.WEBHOOK_SWEEP_BATCH))}
