"""When the mirror works: the relay and confirm kicks, their broker flags, the advisory locks
(single-flight slots), the countdowns and the loops. What a sweep does is chain/relay.py's and
chain/confirmer.py's; chain/tasks.py only names the Celery tasks, each calling one function
here. The timeline of a steady flow of actions::

  a request commits outbox rows
   |  core/outbox.py, on commit: settings.OUTBOX_AFTER_COMMIT = "chain.scheduling.relay_kick"
   v
  relay_kick ......... SET NX KICK_FLAG for OUTBOX_KICK_DEDUP_SECONDS
   |                   already set: a sweep queued or looping will see the rows -> nothing sent
   |                   else send "chain.relay_sweep", countdown OUTBOX_KICK_DELAY_SECONDS
   v                   (the commits of that moment go out in one sweep)
  relay_task_run ..... advisory lock: single_flight("chain.relay", CHAIN_RELAY_CONCURRENCY slots);
   |                   none free -> {"skipped"} (KICK_FLAG stays: the running task looks again)
   |  loop:  hold KICK_FLAG -> relay_sweep() -> sent or rebroadcast something? confirm_kick
   |         until a sweep claims nothing, or CHAIN_RELAY_TASK_SECONDS have passed
   |  release the slot, clear KICK_FLAG; rows due meanwhile -> one more "chain.relay_sweep"
   v
  confirm_kick ....... SET NX CONFIRM_FLAG -> send "chain.confirm_sweep" (else one is queued/looping)
   v
  confirm_task_run ... advisory lock: single_flight("chain.confirm"), one at a time
   |  loop:  hold CONFIRM_FLAG (dedup + poll) -> confirm_sweep() -> an action requeued or
   |         stepped? "chain.relay_sweep"; sleep CHAIN_CONFIRM_POLL_SECONDS while transactions
   |         are live, up to CHAIN_CONFIRM_TASK_SECONDS
   |  clear CONFIRM_FLAG; still live -> poll_again: SET NX POLL_FLAG for the delay, then ONE
   v  "chain.confirm_sweep" with countdown CHAIN_CONFIRM_POLL_SECONDS (however many sweeps saw them)
  beat ............... "chain.relay_sweep" and "chain.confirm_sweep" every CHAIN_SWEEP_SECONDS,
                       "chain.index_sweep", "chain.reconcile": whatever a lost kick missed

Flags live in the broker's Redis, per database (:func:`flag_key`), and are best effort: a
lost flag only costs a redundant trigger, a stale one expires. Follow-up tasks are sent by
task name, to the queue the current task came from (tests use their own queue).
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.db import single_flight
from core.models import OutboxEntry

from .confirmer import ConfirmResult, confirm_sweep
from .indexer import index_sweep
from .models import ChainTransaction
from .reconciler import reconcile_run
from .relay import RelayResult, relay_sweep

logger = logging.getLogger(__name__)

RELAY_TASK = "chain.relay_sweep"
CONFIRM_TASK = "chain.confirm_sweep"

#: Broker-side flag "a relay sweep is queued, or running and will look again": set (SET NX) by
#: a kick, held by the relay task while it keeps sweeping, cleared when it stops. While it is
#: set, a sweep will still see every row committed now, so another kick is redundant. It
#: expires after OUTBOX_KICK_DEDUP_SECONDS in case its sweep is lost (beat covers).
KICK_FLAG = "shoken:outbox:relay-kick-queued"

#: Broker-side flag "a confirm sweep is queued, or running and will look again" (the relay's
#: counterpart of KICK_FLAG): set by confirm_kick, held by a looping confirm task.
CONFIRM_FLAG = "shoken:chain:confirm-queued"

#: Broker-side flag "a follow-up confirm sweep is scheduled" (SET NX, expires when it is due),
#: so live transactions are looked at again by ONE sweep, however many sweeps saw them.
POLL_FLAG = "shoken:chain:confirm-poll-scheduled"


# ---------------------------------------------------------------- broker flags

_BROKER_CLIENTS: dict[tuple[int, int], object] = {}


def broker_redis(app: Any) -> Any:
    """The broker's redis client (kombu's redis channel), or None on another transport.
    Kept per process and app: getting it from kombu costs ~1.5 ms, and every commit that
    writes an outbox row asks for it."""
    key = (os.getpid(), id(app))
    if key not in _BROKER_CLIENTS:
        with app.connection_for_write() as conn:
            _BROKER_CLIENTS[key] = getattr(conn.default_channel, "client", None)
    return _BROKER_CLIENTS[key]


def flag_key(name: str) -> str:
    """The broker key of a dedup flag for THIS database: two deployments, or two test runs,
    sharing one Redis must not share flags (a flag set by one would silence the other's
    triggers). Writers and workers of one deployment name the same database."""
    return f"{name}:{connection.settings_dict['NAME']}"


def flag_hold(app: Any, name: str, seconds: float) -> None:
    """Set a broker-side dedup flag (KICK_FLAG and the like) for `seconds`, whoever set it:
    "work is under way and will look again; do not trigger it". Best effort (a lost flag
    only costs a redundant trigger)."""
    try:
        client = broker_redis(app)
        if client is not None:
            client.set(flag_key(name), b"1", px=max(int(seconds * 1000), 1))
    except Exception:
        logger.debug("could not set the flag %s", name, exc_info=True)


def flag_clear(app: Any, name: str) -> None:
    """Remove a dedup flag: triggers go through again. Best effort, like flag_hold."""
    try:
        client = broker_redis(app)
        if client is not None:
            client.delete(flag_key(name))
    except Exception:
        logger.debug("could not clear the flag %s", name, exc_info=True)


def flag_take(app: Any, name: str, seconds: float) -> bool:
    """SET NX a dedup flag for `seconds`: True when this caller set it (it should trigger the
    work), False when it was set already. True too when the broker cannot be asked (no dedup
    then: trigger)."""
    try:
        client = broker_redis(app)
        return client is None or bool(client.set(flag_key(name), b"1", nx=True, px=max(int(seconds * 1000), 1)))
    except Exception:
        logger.debug("could not take the flag %s", name, exc_info=True)
        return True


# ---------------------------------------------------------------- kicks

def relay_kick() -> None:
    """After a commit that wrote outbox rows (settings.OUTBOX_AFTER_COMMIT), ask a worker to
    relay now instead of waiting for beat's sweep: the OUTBOX_KICK_TASK task ("" = no kick),
    on OUTBOX_KICK_QUEUE, OUTBOX_KICK_DELAY_SECONDS later, so the commits of that moment go out
    together. Skipped while KICK_FLAG says a sweep queued or under way will see the rows. A
    broker hiccup is logged, not raised: the row is committed and the periodic sweep will
    pick it up."""
    task = settings.OUTBOX_KICK_TASK
    if not task:
        return
    dedup = float(getattr(settings, "OUTBOX_KICK_DEDUP_SECONDS", 0) or 0)
    if dedup > 0 and not flag_take(current_app, KICK_FLAG, dedup):
        return   # a sweep queued or under way will see this row
    try:
        current_app.send_task(task, queue=settings.OUTBOX_KICK_QUEUE or None,
                              countdown=float(getattr(settings, "OUTBOX_KICK_DELAY_SECONDS", 0) or 0) or None)
    except Exception:
        if dedup > 0:
            flag_clear(current_app, KICK_FLAG)   # let the next commit try again
        logger.warning("outbox: could not kick %s; the periodic sweep will relay", task, exc_info=True)


def confirm_kick(task: Any) -> None:
    """Ask for a confirm sweep now, unless one is queued or looping (it will see the new
    transactions)."""
    if flag_take(task.app, CONFIRM_FLAG, settings.OUTBOX_KICK_DEDUP_SECONDS):
        _send(task, CONFIRM_TASK)


def poll_again(task: Any) -> None:
    """Look at live transactions again CHAIN_CONFIRM_POLL_SECONDS from now, with ONE sweep."""
    delay = float(settings.CHAIN_CONFIRM_POLL_SECONDS)
    if delay > 0 and flag_take(task.app, POLL_FLAG, delay):   # else one is scheduled already
        _send(task, CONFIRM_TASK, countdown=delay)


def _send(task: Any, name: str, **options: Any) -> None:
    """Send a follow-up task by name to the queue this task came from."""
    queue = (task.request.delivery_info or {}).get("routing_key")
    task.app.send_task(name, **({"queue": queue} if queue else {}), **options)


# ---------------------------------------------------------------- the looping tasks

def relay_task_run(task: Any) -> dict:
    """Relay sweeps, CHAIN_RELAY_CONCURRENCY tasks at a time (core.db.single_flight): a trigger
    that finds them all running returns at once. The running task keeps sweeping while its
    sweeps claim something, for up to CHAIN_RELAY_TASK_SECONDS, and holds KICK_FLAG
    meanwhile, so commits do not send triggers that would only be skipped: each sweep
    carries everything committed while the last one ran. When it stops it lets go, clears the
    flag, and looks for due rows once more (a row committed before the clear is kicked here;
    one committed after it kicks by itself)."""
    with single_flight("chain.relay", slots=settings.CHAIN_RELAY_CONCURRENCY) as mine:
        if not mine:   # the kick flag stays set: the running task looks again before it stops
            return {"skipped": "another relay sweep is running"}
        total = RelayResult()
        deadline = time.monotonic() + settings.CHAIN_RELAY_TASK_SECONDS
        while True:
            flag_hold(task.app, KICK_FLAG, settings.OUTBOX_KICK_DEDUP_SECONDS)   # before claiming
            result = relay_sweep()
            _add(total, result)
            if result.submitted or result.rebroadcast:
                confirm_kick(task)   # confirming starts meanwhile
            if not result.claimed or time.monotonic() > deadline:
                break   # claimed rows are leased or settled, so a claim never repeats at once
    flag_clear(task.app, KICK_FLAG)
    if _has_due():
        _send(task, RELAY_TASK)
    return vars(total)


def confirm_task_run(task: Any) -> dict:
    """One confirm sweep at a time, like the relay. While transactions are live (unmined, or
    sent meanwhile) it sweeps again every CHAIN_CONFIRM_POLL_SECONDS, for up to
    CHAIN_CONFIRM_TASK_SECONDS, holding CONFIRM_FLAG so the relay does not send triggers;
    after letting go, transactions still live are looked at again by ONE follow-up sweep
    CHAIN_CONFIRM_POLL_SECONDS later instead of waiting for beat."""
    poll = float(settings.CHAIN_CONFIRM_POLL_SECONDS)
    total = None
    with single_flight("chain.confirm") as mine:
        if mine:
            total = ConfirmResult()
            deadline = time.monotonic() + settings.CHAIN_CONFIRM_TASK_SECONDS
            while True:
                flag_hold(task.app, CONFIRM_FLAG, settings.OUTBOX_KICK_DEDUP_SECONDS + poll)
                result = confirm_sweep()
                _add(total, result)
                if result.requeued or result.stepped:
                    _send(task, RELAY_TASK)   # a new nonce, or an action's next step
                if poll <= 0 or time.monotonic() + poll > deadline or not _has_live():
                    break
                time.sleep(poll)   # anvil mines in milliseconds; a chain's block is about this long
    if total is not None:
        flag_clear(task.app, CONFIRM_FLAG)
    if _has_live():
        poll_again(task)
    return vars(total) if total is not None else {"skipped": "another confirm sweep is running"}


def index_run() -> dict:
    """One indexer pass (beat): its counts."""
    return vars(index_sweep())


def reconcile_task_run() -> dict:
    """One reconciliation (beat): what the task reports."""
    run = reconcile_run()
    return {"id": run.pk, "securities_checked": run.securities_checked, "breaks_found": run.breaks_found,
            "breaks_new": run.breaks_new, "error": run.error}


def _add(total: Any, result: Any) -> None:
    """Add a sweep's counts to the task's running totals (same dataclass)."""
    for name, value in vars(result).items():
        setattr(total, name, getattr(total, name) + value)


def _has_due() -> bool:
    return OutboxEntry.objects.filter(status=OutboxEntry.Status.PENDING, available_at__lte=timezone.now()).exists()


def _has_live() -> bool:
    return ChainTransaction.objects.filter(status__in=ChainTransaction.LIVE).exists()
