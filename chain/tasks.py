"""Celery tasks of the mirror: thin wrappers, the logic lives in relay.py, confirmer.py,
indexer.py and reconciler.py (all idempotent, so a task redelivered after a worker died does
no harm)."""

from __future__ import annotations

import time

from celery import shared_task
from django.conf import settings

from .port import ChainUnavailable

_RETRY = {"acks_late": True, "reject_on_worker_lost": True, "autoretry_for": (ChainUnavailable,),
          "retry_backoff": True, "retry_jitter": True, "max_retries": 8}


def _same_queue(task) -> dict:  # noqa: ANN001
    """Send follow-up work to the queue this task came from (tests use their own queue)."""
    queue = (task.request.delivery_info or {}).get("routing_key")
    return {"queue": queue} if queue else {}


@shared_task(bind=True, name="chain.relay_sweep", **_RETRY)
def relay_sweep_task(self) -> dict:  # noqa: ANN001
    """Relay sweeps, CHAIN_RELAY_CONCURRENCY tasks at a time (core.db.single_flight): a trigger
    that finds them all running returns at once. The running task keeps sweeping while its
    sweeps claim something, for up to CHAIN_RELAY_TASK_SECONDS, and holds the outbox's kick
    flag meanwhile, so commits do not send triggers that would only be skipped: each sweep
    carries everything committed while the last one ran. When it stops it lets go, clears the
    flag, and looks for due rows once more (a row committed before the clear is kicked here;
    one committed after it kicks by itself)."""
    from core.db import single_flight
    from core.outbox import KICK_FLAG, flag_clear, flag_hold

    from .relay import RelayResult, relay_sweep

    with single_flight("chain.relay", slots=settings.CHAIN_RELAY_CONCURRENCY) as mine:
        if not mine:   # the kick flag stays set: the running task looks again before it stops
            return {"skipped": "another relay sweep is running"}
        total = RelayResult()
        deadline = time.monotonic() + settings.CHAIN_RELAY_TASK_SECONDS
        while True:
            flag_hold(self.app, KICK_FLAG, settings.OUTBOX_KICK_DEDUP_SECONDS)   # before claiming
            result = relay_sweep()
            _add(total, result)
            if result.submitted or result.rebroadcast:
                confirm_kick(self)   # confirming starts meanwhile
            if not result.claimed or time.monotonic() > deadline:
                break   # claimed rows are leased or settled, so a claim never repeats at once
    flag_clear(self.app, KICK_FLAG)
    if _has_due():
        relay_sweep_task.apply_async(**_same_queue(self))
    return vars(total)


#: Broker-side flag "a confirm sweep is queued, or running and will look again" (the relay's
#: counterpart of core.outbox.KICK_FLAG): set by confirm_kick, held by a looping confirm task.
CONFIRM_FLAG = "shoken:chain:confirm-queued"


def confirm_kick(task) -> None:  # noqa: ANN001
    """Ask for a confirm sweep now, unless one is queued or looping (it will see the new
    transactions)."""
    from core.outbox import flag_take

    if flag_take(task.app, CONFIRM_FLAG, settings.OUTBOX_KICK_DEDUP_SECONDS):
        confirm_sweep_task.apply_async(**_same_queue(task))


@shared_task(bind=True, name="chain.confirm_sweep", **_RETRY)
def confirm_sweep_task(self) -> dict:  # noqa: ANN001
    """One confirm sweep at a time, like the relay. While transactions are live (unmined, or
    sent meanwhile) it sweeps again every CHAIN_CONFIRM_POLL_SECONDS, for up to
    CHAIN_CONFIRM_TASK_SECONDS, holding CONFIRM_FLAG so the relay does not send triggers;
    after letting go, transactions still live are looked at again by ONE follow-up sweep
    CHAIN_CONFIRM_POLL_SECONDS later instead of waiting for beat."""
    from core.db import single_flight
    from core.outbox import flag_clear, flag_hold

    from .confirmer import ConfirmResult, confirm_sweep

    poll = float(settings.CHAIN_CONFIRM_POLL_SECONDS)
    total = None
    with single_flight("chain.confirm") as mine:
        if mine:
            total = ConfirmResult()
            deadline = time.monotonic() + settings.CHAIN_CONFIRM_TASK_SECONDS
            while True:
                flag_hold(self.app, CONFIRM_FLAG, settings.OUTBOX_KICK_DEDUP_SECONDS + poll)
                result = confirm_sweep()
                _add(total, result)
                if result.requeued or result.stepped:
                    relay_sweep_task.apply_async(**_same_queue(self))  # a new nonce, or an action's next step
                if poll <= 0 or time.monotonic() + poll > deadline or not _has_live():
                    break
                time.sleep(poll)   # anvil mines in milliseconds; a chain's block is about this long
    if total is not None:
        flag_clear(self.app, CONFIRM_FLAG)
    if _has_live():
        _poll_again(self)
    return vars(total) if total is not None else {"skipped": "another confirm sweep is running"}


#: Broker-side flag "a follow-up confirm sweep is scheduled" (SET NX, expires when it is due),
#: so live transactions are looked at again by ONE sweep, however many sweeps saw them.
POLL_FLAG = "shoken:chain:confirm-poll-scheduled"


def _poll_again(task) -> None:  # noqa: ANN001
    from core.outbox import flag_take

    delay = float(settings.CHAIN_CONFIRM_POLL_SECONDS)
    if delay > 0 and flag_take(task.app, POLL_FLAG, delay):   # else one is scheduled already
        confirm_sweep_task.apply_async(countdown=delay, **_same_queue(task))


def _add(total, result) -> None:  # noqa: ANN001
    """Add a sweep's counts to the task's running totals (same dataclass)."""
    for name, value in vars(result).items():
        setattr(total, name, getattr(total, name) + value)


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
