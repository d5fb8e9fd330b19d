"""Celery tasks of the mirror: thin wrappers, the logic lives in relay.py, confirmer.py,
indexer.py and reconciler.py (all idempotent, so a task redelivered after a worker died does
no harm)."""

from __future__ import annotations

import logging
import time

from celery import shared_task
from django.conf import settings

from .port import ChainUnavailable

log = logging.getLogger(__name__)
_RETRY = {"acks_late": True, "reject_on_worker_lost": True, "autoretry_for": (ChainUnavailable,),
          "retry_backoff": True, "retry_jitter": True, "max_retries": 8}


def _same_queue(task) -> dict:  # noqa: ANN001
    """Send follow-up work to the queue this task came from (tests use their own queue)."""
    queue = (task.request.delivery_info or {}).get("routing_key")
    return {"queue": queue} if queue else {}


@shared_task(bind=True, name="chain.relay_sweep", **_RETRY)
def relay_sweep_task(self) -> dict:  # noqa: ANN001
    """Relay sweeps, CHAIN_RELAY_CONCURRENCY tasks at a time (core.db.single_flight): a trigger that finds one running
    returns at once (leaving the outbox's kick flag set, so commits stop kicking), and the
    running one, after it let go, looks for actions committed meanwhile and triggers again.
    Concurrent sweeps would only queue on the signer's nonce row; one at a time, each sweep
    carries everything committed while the last one ran. A sweep that claimed a full batch
    is followed by another in the same task, for up to CHAIN_RELAY_TASK_SECONDS."""
    from core.db import single_flight
    from core.outbox import kick_flag_clear

    from .relay import RelayResult, relay_sweep

    with single_flight("chain.relay", slots=settings.CHAIN_RELAY_CONCURRENCY) as mine:
        if not mine:   # the kick flag stays set: the running sweep re-kicks when it is done
            return {"skipped": "another relay sweep is running"}
        kick_flag_clear(self.app)   # before claiming: rows committed from now on kick again
        total = RelayResult()
        deadline = time.monotonic() + settings.CHAIN_RELAY_TASK_SECONDS
        while True:
            result = relay_sweep()
            for name, value in vars(result).items():
                setattr(total, name, getattr(total, name) + value)
            if result.submitted or result.rebroadcast:
                confirm_sweep_task.apply_async(**_same_queue(self))   # confirming starts meanwhile
            if result.claimed < settings.CHAIN_RELAY_BATCH_SIZE or time.monotonic() > deadline:
                break   # a full claim means more may be waiting: sweep again, within the budget
    # Let go first, then clear the kick flag (a kick skipped meanwhile left it set), THEN look
    # for due rows: a row committed before the clear is seen here and kicked now; one
    # committed after it kicks by itself.
    kick_flag_clear(self.app)
    if _has_due():
        relay_sweep_task.apply_async(**_same_queue(self))
    return vars(total)


@shared_task(bind=True, name="chain.confirm_sweep", **_RETRY)
def confirm_sweep_task(self) -> dict:  # noqa: ANN001
    """One confirm sweep at a time, like the relay; after letting go, transactions still
    live (unmined, or sent meanwhile) are looked at again by ONE follow-up sweep
    CHAIN_CONFIRM_POLL_SECONDS later instead of waiting for beat."""
    from core.db import single_flight

    from .confirmer import confirm_sweep

    with single_flight("chain.confirm") as mine:
        result = confirm_sweep() if mine else None
    if result is not None and (result.requeued or result.stepped):
        relay_sweep_task.apply_async(**_same_queue(self))  # a new nonce, or an action's next step
    if _has_live():
        _poll_again(self)
    return vars(result) if result is not None else {"skipped": "another confirm sweep is running"}


#: Broker-side flag "a follow-up confirm sweep is scheduled" (SET NX, expires when it is due),
#: so live transactions are looked at again by ONE sweep, however many sweeps saw them.
POLL_FLAG = "shoken:chain:confirm-poll-scheduled"


def _poll_again(task) -> None:  # noqa: ANN001
    from core.outbox import broker_redis

    delay = float(settings.CHAIN_CONFIRM_POLL_SECONDS)
    if delay <= 0:
        return
    try:
        client = broker_redis(task.app)
        if client is not None and not client.set(POLL_FLAG, b"1", nx=True, px=max(int(delay * 1000), 1)):
            return   # one is scheduled already
    except Exception:  # noqa: BLE001 (no dedup then; beat covers a lost poll anyway)
        log.debug("confirm poll: no dedup flag", exc_info=True)
    confirm_sweep_task.apply_async(countdown=delay, **_same_queue(task))


def _has_due() -> bool:
    from django.utils import timezone

    from core.models import OutboxEntry

    return OutboxEntry.objects.filter(status=OutboxEntry.Status.PENDING, available_at__lte=timezone.now()).exists()


def _has_live() -> bool:
    from .models import ChainTransaction

    return ChainTransaction.objects.filter(status__in=ChainTransaction.LIVE).exists()


@shared_task(bind=True, name="chain.index_sweep", **_RETRY)
def index_sweep_task(self) -> dict:  # noqa: ANN001
    from .indexer import index_sweep

    return vars(index_sweep())


@shared_task(bind=True, name="chain.reconcile", acks_late=True, reject_on_worker_lost=True)
def reconcile_task(self) -> dict:  # noqa: ANN001
    from .reconciler import reconcile_run

    run = reconcile_run()
    return {"id": run.pk, "securities_checked": run.securities_checked, "breaks_found": run.breaks_found,
            "breaks_new": run.breaks_new, "error": run.error}
