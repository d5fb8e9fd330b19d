"""When the mirror works: the relay and confirm kicks, their broker flags, the advisory locks
(single-flight slots), the countdowns and the loops. What a sweep does is chain/relay.py's and
chain/confirmer.py's; chain/tasks.py only names the Celery tasks, each calling one function
here. The timeline of a steady flow of actions::

  a request commits outbox rows (each on its signer lane, chain/lanes.py)
   |  core/outbox.py, on commit: settings.OUTBOX_AFTER_COMMIT = "chain.scheduling.relay_kick",
   |  with the lanes of the rows
   v
  relay_kick ......... per lane: SET NX its KICK_FLAG for OUTBOX_KICK_DEDUP_SECONDS
   |                   already set: a sweep queued or looping will see the rows -> nothing sent
   |                   else send "chain.relay_sweep"(lane=k), countdown OUTBOX_KICK_DELAY_SECONDS
   v                   (the commits of that moment go out in one sweep)
  relay_task_run ..... advisory lock: single_flight("chain.relay.lane.<k>", CHAIN_RELAY_CONCURRENCY
   |                   slots): one sender per lane wherever the workers are; none free ->
   |                   {"skipped"} (the flag stays: the running task looks again)
   |  loop:  hold the lane's KICK_FLAG -> relay_sweep(lane=k) -> sent or rebroadcast? confirm_kick
   |         until a sweep claims nothing, or CHAIN_RELAY_TASK_SECONDS have passed
   |  release the slot, clear the flag; rows due meanwhile -> one more "chain.relay_sweep"(lane=k)
   v
  confirm_kick ....... SET NX CONFIRM_FLAG -> send "chain.confirm_sweep" (else one is queued/looping)
   v
  confirm_task_run ... advisory lock: single_flight("chain.confirm"), one at a time
   |  loop:  hold CONFIRM_FLAG (dedup + poll) -> confirm_sweep() (every lane) -> an action
   |         requeued or stepped, or one waiting for another lane's action confirmed?
   |         "chain.relay_sweep"(lane=k) for those lanes; sleep CHAIN_CONFIRM_POLL_SECONDS
   |         while transactions are live, up to CHAIN_CONFIRM_TASK_SECONDS
   |  clear CONFIRM_FLAG; still live -> poll_again: SET NX POLL_FLAG for the delay, then ONE
   v  "chain.confirm_sweep" with countdown CHAIN_CONFIRM_POLL_SECONDS (however many sweeps saw them)
  beat ............... "chain.relay_sweep" (no lane: one task per lane) and "chain.confirm_sweep"
                       every CHAIN_SWEEP_SECONDS,
                       "chain.index_sweep", "chain.reconcile": whatever a lost kick missed

Flags live in the broker's Redis, per database (:func:`flag_key`), and are best effort: a
lost flag only costs a redundant trigger, a stale one expires. Follow-up tasks are sent by
task name, to the queue the current task came from when it is a private one (tests,
benchmarks), else where the routes send them (config/celery_routes.py).
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
from .lanes import lane_count, lane_waiters_release
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

def kick_flag(lane: int) -> str:
    """The KICK_FLAG of a signer lane (lane 0's is KICK_FLAG itself)."""
    return KICK_FLAG if lane == 0 else f"{KICK_FLAG}:lane:{lane}"


def relay_kick(lanes: list[int] | None = None) -> None:
    """After a commit that wrote outbox rows (settings.OUTBOX_AFTER_COMMIT, with the lanes of
    the rows; None: every lane), ask a worker to relay each of those lanes now instead of
    waiting for beat's sweep: the OUTBOX_KICK_TASK task ("" = no kick) with ``lane=k``, on
    OUTBOX_KICK_QUEUE when set (tests), else where the routes send the lane's relay
    (config/celery_routes.py), OUTBOX_KICK_DELAY_SECONDS later, so the commits of that moment
    go out together. A lane is skipped while its kick flag says a sweep queued or under way
    will see the rows. A broker hiccup is logged, not raised: the row is committed and the
    periodic sweep will pick it up."""
    task = settings.OUTBOX_KICK_TASK
    if not task:
        return
    dedup = float(getattr(settings, "OUTBOX_KICK_DEDUP_SECONDS", 0) or 0)
    for lane in range(lane_count()) if lanes is None else lanes:
        if dedup > 0 and not flag_take(current_app, kick_flag(lane), dedup):
            continue   # a sweep queued or under way will see this row
        try:
            current_app.send_task(task, kwargs={"lane": lane}, queue=settings.OUTBOX_KICK_QUEUE or None,
                                  countdown=float(getattr(settings, "OUTBOX_KICK_DELAY_SECONDS", 0) or 0) or None)
        except Exception:
            if dedup > 0:
                flag_clear(current_app, kick_flag(lane))   # let the next commit try again
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


#: Queues the routes send to (config/celery_routes.py): a follow-up of a task that came from one
#: of them is routed again (a lane's relay goes to its own lane's queue), not sent back there.
ROUTED_PREFIXES = ("chain.", "servicing.", "notifications.")


def _send(task: Any, name: str, **options: Any) -> None:
    """Send a follow-up task by name: to the queue this task came from when that is a queue of
    its own (a test's, a benchmark's), else where the routes send it."""
    queue = (task.request.delivery_info or {}).get("routing_key")
    if queue and (queue == task.app.conf.task_default_queue or queue.startswith(ROUTED_PREFIXES)):
        queue = None
    task.app.send_task(name, **({"queue": queue} if queue else {}), **options)


def _send_relay(task: Any, lanes: list[int]) -> None:
    for lane in lanes:
        _send(task, RELAY_TASK, kwargs={"lane": lane})


# ---------------------------------------------------------------- the looping tasks

def relay_lock(lane: int) -> str:
    """The advisory lock of a lane's sender: one relay sweep per lane at a time, across hosts."""
    return f"chain.relay.lane.{lane}"


def relay_task_run(task: Any, lane: int | None = None) -> dict:
    """Relay sweeps of one signer lane, CHAIN_RELAY_CONCURRENCY tasks at a time per lane
    (core.db.single_flight on :func:`relay_lock`, a PostgreSQL advisory lock: one sender per
    lane wherever the workers run): a trigger that finds them all running returns at once.
    The running task keeps sweeping while its sweeps claim something, for up to
    CHAIN_RELAY_TASK_SECONDS, and holds the lane's kick flag meanwhile, so commits do not send
    triggers that would only be skipped: each sweep carries everything committed while the
    last one ran. When it stops it lets go, clears the flag, and looks for due rows once more
    (a row committed before the clear is kicked here; one committed after it kicks by itself).

    ``lane`` None (beat's sweep): lane 0 when there is one lane, else one task per lane."""
    if lane is None:
        count = lane_count()
        if count > 1:
            _send_relay(task, list(range(count)))
            return {"lanes": count}
        lane = 0
    flag = kick_flag(lane)
    with single_flight(relay_lock(lane), slots=settings.CHAIN_RELAY_CONCURRENCY) as mine:
        if not mine:   # the kick flag stays set: the running task looks again before it stops
            return {"skipped": "another relay sweep is running"}
        total = RelayResult()
        deadline = time.monotonic() + settings.CHAIN_RELAY_TASK_SECONDS
        while True:
            flag_hold(task.app, flag, settings.OUTBOX_KICK_DEDUP_SECONDS)   # before claiming
            result = relay_sweep(lane=lane)
            _add(total, result)
            if result.submitted or result.rebroadcast:
                confirm_kick(task)   # confirming starts meanwhile
            if result.claimed == result.waiting or time.monotonic() > deadline:
                break   # claimed rows are leased or settled, so a claim never repeats at once;
                # all of them waiting (for a deployment, another lane): their wait ends later
            gather_pause(result.claimed)
    flag_clear(task.app, flag)
    if _has_due(lane):
        _send_relay(task, [lane])
    return vars(total)


def gather_pause(claimed: int) -> None:
    """Between two sweeps of a looping relay task: after a sweep that claimed less than a full
    batch, wait CHAIN_RELAY_GATHER_SECONDS (default 0: no wait) so the rows committed meanwhile
    go out together. On a chain whose blocks come every second or more, sending 50 times a
    second instead of 5 gains nothing but costs a sweep's fixed work (claim, estimate batch,
    prepare, broadcast) each time, per lane: with several signer lanes that CPU comes out of
    the writers (measured in bench/lanes_run.py). Set it to a fraction of the block time."""
    pause = float(getattr(settings, "CHAIN_RELAY_GATHER_SECONDS", 0) or 0)
    if pause > 0 and claimed < settings.CHAIN_RELAY_BATCH_SIZE:
        time.sleep(pause)


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
                lanes = set(lane_waiters_release()) if result.confirmed or result.failed else set()
                if result.requeued or result.stepped:   # a new nonce, or an action's next step
                    lanes |= set(_due_lanes())
                _send_relay(task, sorted(lanes))   # and those waiting for another lane's action
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


def reconcile_task_run(*, mode: str = "full") -> dict:
    """One reconciliation (beat: incremental or full, chain/reconciler.py): what the task reports."""
    run = reconcile_run(mode=mode)
    return {"id": run.pk, "securities_checked": run.securities_checked, "breaks_found": run.breaks_found,
            "breaks_new": run.breaks_new, "error": run.error, "mode": run.mode, "block": run.block,
            "wallets_checked": run.wallets_checked}


def _add(total: Any, result: Any) -> None:
    """Add a sweep's counts to the task's running totals (same dataclass)."""
    for name, value in vars(result).items():
        setattr(total, name, getattr(total, name) + value)


def _has_due(lane: int) -> bool:
    return OutboxEntry.objects.filter(status=OutboxEntry.Status.PENDING, lane=lane,
                                      available_at__lte=timezone.now()).exists()


def _due_lanes() -> list[int]:
    """The lanes with due rows (lane 0 with one lane, without asking)."""
    count = lane_count()
    return [0] if count == 1 else [lane for lane in range(count) if _has_due(lane)]


def _has_live() -> bool:
    return ChainTransaction.objects.filter(status__in=ChainTransaction.LIVE).exists()
