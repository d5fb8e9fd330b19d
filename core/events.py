"""Events for the world outside the platform (webhooks), written inside the transaction of the
change they report, like the chain outbox.

A deciding service calls event_emit() once per happening with a key that names it
("subscription:12:accepted"); a retried use case emits nothing twice. After commit the hook
named by settings.EVENTS_AFTER_COMMIT (webhooks.tasks.fan_out_kick) asks a worker to fan the
new rows out to the endpoints that chose their type; a periodic sweep catches anything a lost
kick left behind. core never imports the webhooks app: the hook is resolved by name.

`data` is plain JSON (ids, statuses, amounts as strings, ISO dates) and never personal data
beyond ids: receivers fetch details through the API with their own rights.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from .models import Event

logger = logging.getLogger(__name__)


class EventType(models.TextChoices):
    """The kinds of event an endpoint can choose (one `type` per kind)."""

    KYC_DECIDED = "kyc.decided", _("KYC decided")
    SUBSCRIPTION_CHANGED = "subscription.changed", _("Subscription state changed")
    SETTLEMENT_SETTLED = "settlement.settled", _("Settlement settled")
    TRADE_SETTLED = "trade.settled", _("Trade settled")
    PAYMENT_RUN_PAID = "payment_run.paid", _("Payment run paid")
    BREAK_FOUND = "break.found", _("Reconciliation break found")
    ACTION_FAILED = "action.failed", _("Chain action failed")


def event_emit(*, type: EventType | str, key: str, organization_id: int | None, data: dict) -> None:
    """Record one event in the current transaction (RuntimeError outside one). The same key
    twice records it once (INSERT ... ON CONFLICT DO NOTHING); the fan-out is kicked once after
    commit, however many events the transaction wrote."""
    if type not in EventType.values:
        raise ValueError(f"unknown event type {type!r}")
    if not connection.in_atomic_block:
        raise RuntimeError("event_emit must run inside the transaction of the change it reports")
    Event.objects.bulk_create(
        [Event(type=str(type), key=key, organization_id=organization_id, data=data)], ignore_conflicts=True)
    if not any(entry[1] is _kick for entry in connection.run_on_commit):   # one kick per transaction
        transaction.on_commit(_kick)


@functools.lru_cache(maxsize=4)
def _hook(path: str) -> Callable[..., Any]:
    return import_string(path)


def _kick() -> None:
    """settings.EVENTS_AFTER_COMMIT ("" = nothing): a hook that cannot be loaded is logged,
    not raised; the committed rows wait for the periodic sweep."""
    path = getattr(settings, "EVENTS_AFTER_COMMIT", "")
    if not path:
        return
    try:
        hook = _hook(path)
    except ImportError:
        logger.exception("events: cannot load EVENTS_AFTER_COMMIT %r; the periodic sweep will fan out", path)
        return
    hook()
