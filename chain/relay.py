"""The relay: sends each pending outbox action to the chain exactly once.

One sweep (:func:`relay_sweep`, run by the ``chain.relay_sweep`` task and by beat) works on
ONE signer lane's rows with that lane's key (chain/lanes.py; a single lane unless
CHAIN_SIGNER_KEYS is set):

1. **Finish what a crash left**: PREPARED transactions older than
   ``CHAIN_REBROADCAST_AFTER_SECONDS`` are rebroadcast from their stored raw bytes (never
   re-signed). The node answering "already known" / "nonce too low" is fine: the confirmer
   tells whether our hash is the one that mined.
2. **Claim** up to ``CHAIN_RELAY_BATCH_SIZE`` PENDING entries of the lane whose ``available_at``
   has come, with SELECT ... FOR UPDATE SKIP LOCKED, and lease them (``available_at`` pushed
   ``CHAIN_CLAIM_LEASE_SECONDS`` ahead) so other workers skip them while this one works. With
   several lanes, those whose earlier related action is on another lane, not confirmed yet,
   wait for it (chain/lanes.py).
3. For each: build the call for its next step (chain/calls.py); a contract not deployed yet
   makes the action wait. **Estimate gas outside any DB transaction**: a revert there is a
   permanent failure with the decoded custom error, and no nonce is used (unless an earlier
   action on the same token or the registry is still in flight: then it waits for it).
4. **Prepare**, in one short transaction: lock the entry, check it is still PENDING,
   allocate the nonce (chain/nonces.py), sign locally, store the ChainTransaction PREPARED
   with raw bytes and hash, mark the entry SUBMITTED. Commit.
5. **Broadcast** (outside), then mark the transaction BROADCAST.

Steps 1, 4 and 5 are chain/sending.py's, shared with the batches and the confirmer's fee
bumps; when a sweep runs is chain/scheduling.py's.

Steps 3-5 are done a group at a time: the claimed single actions are cut, in claim order,
into groups of actions independent of each other (an action whose estimate may depend on one
not sent yet, i.e. a registry action, or another kind of action on the same token, starts a
new group; mints of one token commute). A group is estimated in ONE JSON-RPC batch request,
prepared in ONE transaction (consecutive nonces from one allocation, signatures, rows; the
fees and the node's pending count are read once per sweep) and broadcast in ONE batch request
in nonce order, before the next group is estimated: the same outcome as sending the actions
one by one, at a fraction of the round trips. Calls are encoded and signed locally
(chain/signing.py).

Consecutive mints of one security among the claimed entries go out as one ``batchMint``
(chain/batches.py; ``CHAIN_BATCH_MINTS``), through the same steps with one nonce; members
that cannot go in their batch come back here and are sent one by one.

A crash anywhere leaves either a PENDING entry (nothing signed) or a PREPARED transaction
(signed and stored): the next sweep finishes both. The confirmer (chain/confirmer.py)
follows the broadcast transactions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.models import OutboxEntry
from core.outbox_payloads import OutboxKind

from .backend import get_backend
from .batches import plan_batches, relay_batch
from .calls import BadPayload, TargetNotDeployed, actions_touching, securities_of
from .lanes import hold_back
from .port import ChainBackend, ChainReverted, ChainUnavailable, ContractCall
from .retries import entry_fail, entry_retry_later, entry_wait
from .sending import (
    Ready,
    SweepContext,
    broadcast_many,
    call_for,
    next_steps,
    prepare_many,
    rebroadcast_prepared,
)

log = logging.getLogger(__name__)


@dataclass
class RelayResult:
    rebroadcast: int = 0
    claimed: int = 0
    submitted: int = 0
    waiting: int = 0
    failed: int = 0


# ---------------------------------------------------------------- the sweep

def _securities_of(entry: OutboxEntry) -> frozenset[int]:
    return securities_of(entry.kind, entry.payload)


def depends_on_group(entry: OutboxEntry, group: list[OutboxEntry]) -> bool:
    """Whether ``entry``'s estimate may depend on an action of the group not sent yet (the
    estimate would see the chain without it): a registry action on either side, or another
    action on one of the same tokens (a settlement touches its security and its cash token),
    unless both are plain mints (mints of one token commute for estimation; the register
    checked the holding rules). Such an entry starts a new group, estimated after the
    earlier one went out, as if the actions were sent one by one."""
    securities = _securities_of(entry)
    for item in group:
        if entry.kind.startswith("registry.") or item.kind.startswith("registry."):
            return True
        if securities & _securities_of(item) and not (
                entry.kind == OutboxKind.TOKEN_MINT and item.kind == OutboxKind.TOKEN_MINT):
            return True
    return False


def relay_sweep(*, backend: ChainBackend | None = None, batch_size: int | None = None,
                lane: int = 0) -> RelayResult:
    """One pass of the relay over ``lane``'s rows, signed with that lane's key (see module
    doc; ``backend`` defaults to the lane's). Raises ChainUnavailable when the node cannot be
    reached, after putting the rest of the claim back with backoff.

    With several lanes, claimed entries whose earlier related action is on another lane and
    not confirmed yet wait for it first (chain/lanes.py ``hold_back``, one query a sweep).

    The claimed single actions are cut into groups of independent ones (:func:`depends_on_group`),
    in claim order; each group is estimated in one round trip, prepared in ONE transaction
    (nonces, signatures, rows) and broadcast in one round trip, in nonce order, before the next
    group is estimated. A batch unit goes out between groups, in its place in the order."""
    backend = backend or get_backend(lane)
    result = RelayResult()
    result.rebroadcast = rebroadcast_prepared(backend=backend)
    claimed = claim_pending(batch_size=batch_size or settings.CHAIN_RELAY_BATCH_SIZE, lane=lane)
    result.claimed = len(claimed)
    held = len(claimed)
    claimed = hold_back(claimed, lane=lane)
    result.waiting += held - len(claimed)
    units = plan_batches(claimed)   # [id] for a single action, [id, id, ...] for a batchMint
    loaded = OutboxEntry.objects.in_bulk([i for unit in units if len(unit) == 1 for i in unit])
    ctx = SweepContext(backend)
    group: list[OutboxEntry] = []
    in_hand: list[int] = []   # the group being sent: backed off too on ChainUnavailable

    def count(outcomes: dict[str, int]) -> None:
        for outcome, n in outcomes.items():
            if outcome != "skipped":
                setattr(result, outcome, getattr(result, outcome) + n)

    def flush() -> None:
        if group:
            in_hand[:] = [e.pk for e in group]
            batch = list(group)
            group.clear()
            count(relay_group(batch, ctx=ctx))
            in_hand.clear()

    index = 0
    try:
        for index, unit in enumerate(units):  # noqa: B007
            if len(unit) == 1:
                entry = loaded.get(unit[0])
                if entry is None or entry.status != OutboxEntry.Status.PENDING:
                    continue
                if depends_on_group(entry, group):
                    flush()
                group.append(entry)
            else:
                flush()
                outcome = relay_batch(unit, ctx=ctx)
                count({"submitted": outcome.submitted})
                for entry_id in outcome.singles:   # one by one, each its own group
                    in_hand[:] = [entry_id]
                    count({relay_entry(entry_id, backend=backend, ctx=ctx): 1})
                in_hand.clear()
        index = len(units)
        flush()
    except ChainUnavailable as exc:
        backoff = in_hand + [e.pk for e in group] + [i for rest in units[index:] for i in rest]
        for entry_id in dict.fromkeys(backoff):   # SUBMITTED ones are left alone (stay PREPARED)
            entry_retry_later(entry_id, message=exc.message)
        raise
    return result


def claim_pending(*, batch_size: int, lane: int = 0) -> list[int]:
    """Ids of up to ``batch_size`` due PENDING entries of ``lane``, leased to this worker."""
    now = timezone.now()
    with transaction.atomic(durable=True):
        ids = list(
            OutboxEntry.objects.select_for_update(skip_locked=True)
            .filter(status=OutboxEntry.Status.PENDING, lane=lane, available_at__lte=now)
            .order_by("id").values_list("id", flat=True)[:batch_size]
        )
        if ids:
            OutboxEntry.objects.filter(pk__in=ids).update(
                available_at=now + timedelta(seconds=settings.CHAIN_CLAIM_LEASE_SECONDS))
    return ids


def predecessors_in_flight(entry: OutboxEntry) -> bool:
    """Whether an earlier action that may change this one's outcome is not settled yet:
    any registry action, and for a token action or a settlement any action on one of its
    tokens (e.g. the cash mint of a deposit before the settlement that spends it)."""
    earlier = OutboxEntry.objects.filter(
        id__lt=entry.id, status__in=[OutboxEntry.Status.PENDING, OutboxEntry.Status.SUBMITTED])
    related = Q(kind__startswith="registry.")
    securities = securities_of(entry.kind, entry.payload)
    if securities:
        related |= actions_touching(securities)
    return earlier.filter(related).exists()


def relay_group(entries: list[OutboxEntry], *, ctx: SweepContext) -> dict[str, int]:
    """Send the next step of each of these claimed PENDING entries (independent of each
    other, in id order): build the calls, estimate them in ONE round trip outside any
    transaction (a revert there is a permanent failure with the decoded error, and no nonce
    is used, unless an earlier related action is in flight: then it waits), prepare the
    estimated ones in one transaction, broadcast them in one round trip. Returns outcome
    counts ("submitted", "waiting", "failed", "skipped")."""
    backend = ctx.backend
    counts = {"submitted": 0, "waiting": 0, "failed": 0, "skipped": 0}
    steps = next_steps(entries)
    built: list[tuple[OutboxEntry, int, ContractCall]] = []
    for entry in entries:
        try:
            call = call_for(entry, steps[entry.pk], chain_id=backend.chain_id(), signer=backend.address,
                            addresses=ctx.addresses)
        except TargetNotDeployed as exc:
            entry_wait(entry.pk, seconds=settings.CHAIN_WAIT_SECONDS, reason=str(exc))
            counts["waiting"] += 1
            continue
        except BadPayload as exc:
            entry_fail(entry.pk, code="BadPayload", message=str(exc))
            counts["failed"] += 1
            continue
        built.append((entry, steps[entry.pk], call))
    ready: list[Ready] = []
    estimates = backend.estimate_gas_many([call for _, _, call in built]) if built else []
    for (entry, step, call), gas in zip(built, estimates, strict=True):
        if not isinstance(gas, ChainReverted):
            ready.append(Ready(entry_id=entry.pk, step=step, call=call, gas=gas))
        elif predecessors_in_flight(entry):
            entry_wait(entry.pk, seconds=settings.CHAIN_WAIT_SECONDS,
                       reason=f"an earlier action is in flight; estimation said {gas.message}")
            counts["waiting"] += 1
        else:
            entry_fail(entry.pk, code=gas.code or "Reverted", message=gas.message)
            counts["failed"] += 1
    if ready:
        max_fee, priority = ctx.fees()
        prepared = prepare_many(ready, max_fee=max_fee, priority=priority, node_pending=ctx.node_pending(),
                                backend=backend)
        broadcast_many(prepared, backend=backend)
        counts["submitted"] += len(prepared)
        counts["skipped"] += len(ready) - len(prepared)
    return counts


def relay_entry(entry_id: int, *, backend: ChainBackend, ctx: SweepContext | None = None) -> str:
    """Send the next step of one claimed entry. Returns "submitted", "waiting", "failed" or
    "skipped"; raises ChainUnavailable (the caller backs off)."""
    ctx = ctx or SweepContext(backend)
    entry = OutboxEntry.objects.filter(pk=entry_id).first()
    if entry is None or entry.status != OutboxEntry.Status.PENDING:
        return "skipped"
    counts = relay_group([entry], ctx=ctx)
    return next(outcome for outcome, n in counts.items() if n)
