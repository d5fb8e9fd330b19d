"""The relay: sends each pending outbox action to the chain exactly once.

One sweep (:func:`relay_sweep`, run by the ``chain.relay_sweep`` task and by beat):

1. **Finish what a crash left**: PREPARED transactions older than
   ``CHAIN_REBROADCAST_AFTER_SECONDS`` are rebroadcast from their stored raw bytes (never
   re-signed). The node answering "already known" / "nonce too low" is fine: the confirmer
   tells whether our hash is the one that mined.
2. **Claim** up to ``CHAIN_RELAY_BATCH_SIZE`` PENDING entries whose ``available_at`` has come,
   with SELECT ... FOR UPDATE SKIP LOCKED, and lease them (``available_at`` pushed
   ``CHAIN_CLAIM_LEASE_SECONDS`` ahead) so other workers skip them while this one works.
3. For each: build the call for its next step (chain/calls.py); a contract not deployed yet
   makes the action wait. **Estimate gas outside any DB transaction**: a revert there is a
   permanent failure with the decoded custom error, and no nonce is used (unless an earlier
   action on the same token or the registry is still in flight: then it waits for it).
4. **Prepare**, in one short transaction: lock the entry, check it is still PENDING,
   allocate the nonce (chain/nonces.py), sign locally, store the ChainTransaction PREPARED
   with raw bytes and hash, mark the entry SUBMITTED. Commit.
5. **Broadcast** (outside), then mark the transaction BROADCAST.

Steps 3-5 are grouped: the claimed single actions are estimated one after the other, then
all the ready ones are prepared in ONE transaction (the fees and the node's pending count are
read once per sweep) and broadcast in nonce order. An action whose estimate may depend on
one of the group not sent yet (registry actions, or another kind of action on the same
token; mints of one token commute) makes the group go out first, so it is estimated as if
the actions were sent one by one.

Consecutive mints of one security among the claimed entries go out as one ``batchMint``
(chain/batches.py; ``CHAIN_BATCH_MINTS``), through the same steps with one nonce.

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
from django.db.models import F, Q
from django.utils import timezone

from core.lifecycle import transition
from core.models import OutboxEntry

from .backend import get_backend
from .batches import plan_batches, relay_batch
from .calls import BadPayload, TargetNotDeployed, build_call
from .models import ChainTransaction
from .nonces import nonce_allocate
from .port import ChainReverted, ChainUnavailable, ContractCall
from .retries import entry_fail, entry_retry_later, entry_wait

log = logging.getLogger(__name__)
Status = ChainTransaction.Status


@dataclass
class RelayResult:
    rebroadcast: int = 0
    claimed: int = 0
    submitted: int = 0
    waiting: int = 0
    failed: int = 0


@dataclass(frozen=True)
class Prepared:
    """What the prepare transaction stored: enough to broadcast without another query."""

    tx_id: int
    tx_hash: str
    raw: bytes


# ---------------------------------------------------------------- the sweep

class SweepContext:
    """Node reads shared by one sweep: the fees and the node's pending nonce are read once
    (lazily), not once per action. A pending count read earlier is never higher than the
    node's real one, and nonce_allocate never moves back on a lower one, so this is safe."""

    def __init__(self, backend) -> None:  # noqa: ANN001
        self.backend = backend
        self._fees: tuple[int, int] | None = None
        self._node_pending: int | None = None

    def fees(self) -> tuple[int, int]:
        if self._fees is None:
            self._fees = self.backend.suggest_fees()
        return self._fees

    def node_pending(self) -> int:
        if self._node_pending is None:
            self._node_pending = self.backend.next_nonce()
        return self._node_pending


@dataclass(frozen=True)
class Ready:
    """A single action estimated and ready to be prepared."""

    entry_id: int
    step: int
    call: ContractCall
    gas: int
    kind: str = ""
    security_id: str | None = None


def _security_of(entry: OutboxEntry) -> str | None:
    value = entry.payload.get("security_id") if isinstance(entry.payload, dict) else None
    return None if value is None else str(value)


def depends_on_group(entry: OutboxEntry, group: list[Ready]) -> bool:
    """Whether ``entry``'s estimate may depend on an action of the group not sent yet (the
    estimate would see the chain without it): a registry action on either side, or another
    action of the same token, unless both are plain mints (mints of one token commute for
    estimation; the register checked the holding rules). Such an entry is estimated only
    after the group went out, as if it were sent one by one."""
    security = _security_of(entry)
    for item in group:
        if entry.kind.startswith("registry.") or item.kind.startswith("registry."):
            return True
        if security is not None and item.security_id == security and not (
                entry.kind == "token.mint" and item.kind == "token.mint" and item.step == 0):
            return True
    return False


def relay_sweep(*, backend=None, batch_size: int | None = None) -> RelayResult:  # noqa: ANN001
    """One pass of the relay (see module doc). Raises ChainUnavailable when the node cannot
    be reached, after putting the batch back with backoff.

    Single actions are estimated one after the other (outside transactions), then all the
    ready ones are prepared in ONE transaction (nonces, signatures, rows) and broadcast in
    nonce order. The pending group is flushed (prepared + broadcast) before a batch unit and
    before re-estimating an action whose estimate reverted while an earlier one of the group
    was not sent yet, so nonces follow the claim order and dependent actions see their
    predecessors."""
    backend = backend or get_backend()
    result = RelayResult()
    result.rebroadcast = rebroadcast_prepared(backend=backend)
    claimed = claim_pending(batch_size=batch_size or settings.CHAIN_RELAY_BATCH_SIZE)
    result.claimed = len(claimed)
    units = plan_batches(claimed)   # [id] for a single action, [id, id, ...] for a batchMint
    ctx = SweepContext(backend)
    group: list[Ready] = []
    flushing: list[int] = []   # estimated entries being prepared/sent: backed off too on ChainUnavailable

    def count(outcome: str, n: int = 1) -> None:
        if outcome != "skipped":
            setattr(result, outcome, getattr(result, outcome) + n)

    def flush() -> None:
        if group:
            ready = list(group)
            flushing[:] = [r.entry_id for r in ready]
            group.clear()
            submitted = relay_ready(ready, ctx=ctx)
            flushing.clear()
            count("submitted", submitted)

    index = 0
    try:
        for index, unit in enumerate(units):  # noqa: B007
            if len(unit) == 1:
                outcome, ready = estimate_entry(unit[0], ctx=ctx, group=group)
                if outcome == "retry":      # reverted behind an unsent earlier action of this sweep
                    flush()
                    outcome, ready = estimate_entry(unit[0], ctx=ctx)
                if ready is not None:
                    group.append(ready)
                else:
                    count(outcome)
            else:
                flush()
                outcomes = relay_batch(unit, backend=backend, ctx=ctx,
                                       relay_single=lambda entry_id: relay_entry(entry_id, backend=backend, ctx=ctx))
                for outcome, n in outcomes.items():
                    count(outcome, n)
        index = len(units)
        flush()
    except ChainUnavailable as exc:
        backoff = flushing + [r.entry_id for r in group] + [i for rest in units[index:] for i in rest]
        for entry_id in dict.fromkeys(backoff):   # SUBMITTED ones are left alone (stay PREPARED)
            entry_retry_later(entry_id, message=exc.message)
        raise
    return result


def claim_pending(*, batch_size: int) -> list[int]:
    """Ids of up to ``batch_size`` due PENDING entries, leased to this worker."""
    now = timezone.now()
    with transaction.atomic(durable=True):
        ids = list(
            OutboxEntry.objects.select_for_update(skip_locked=True)
            .filter(status=OutboxEntry.Status.PENDING, available_at__lte=now)
            .order_by("id").values_list("id", flat=True)[:batch_size]
        )
        if ids:
            OutboxEntry.objects.filter(pk__in=ids).update(
                available_at=now + timedelta(seconds=settings.CHAIN_CLAIM_LEASE_SECONDS))
    return ids


def next_step(entry: OutboxEntry) -> int:
    """Steps are done in order; the next one is the number already confirmed."""
    return ChainTransaction.objects.filter(entry=entry, status=Status.CONFIRMED).count()


def call_for(entry: OutboxEntry, step: int, *, chain_id: int, signer: str) -> ContractCall:
    return build_call(kind=entry.kind, payload=entry.payload, idempotency_key=entry.idempotency_key, step=step,
                      chain_id=chain_id, signer=signer, token_admin=settings.CHAIN_TOKEN_ADMIN)


def predecessors_in_flight(entry: OutboxEntry) -> bool:
    """Whether an earlier action that may change this one's outcome is not settled yet:
    any registry action, and for a token action any action of the same security."""
    earlier = OutboxEntry.objects.filter(
        id__lt=entry.id, status__in=[OutboxEntry.Status.PENDING, OutboxEntry.Status.SUBMITTED])
    related = Q(kind__startswith="registry.")
    if entry.kind.startswith("token.") and "security_id" in entry.payload:
        related |= Q(kind__startswith="token.", payload__security_id=entry.payload["security_id"])
    return earlier.filter(related).exists()


def estimate_entry(entry_id: int, *, ctx: SweepContext,
                   group: list[Ready] | None = None) -> tuple[str, Ready | None]:
    """Build and estimate the next step of one claimed entry, outside any transaction.
    Returns ("ready", Ready) or (outcome, None) with outcome "waiting", "failed", "skipped",
    or "retry" (only with a non-empty ``group``, the estimated actions not sent yet: this one
    depends on one of them, or its estimate reverted while an earlier action is in flight;
    the caller sends the group and asks again)."""
    backend = ctx.backend
    can_flush = bool(group)
    entry = OutboxEntry.objects.get(pk=entry_id)
    if entry.status != OutboxEntry.Status.PENDING:
        return "skipped", None
    if can_flush and depends_on_group(entry, group):
        return "retry", None
    step = next_step(entry)
    chain_id = backend.chain_id()
    try:
        call = call_for(entry, step, chain_id=chain_id, signer=backend.address)
    except TargetNotDeployed as exc:
        if can_flush:
            return "retry", None   # its deploy may be in the group not sent yet
        entry_wait(entry_id, seconds=settings.CHAIN_WAIT_SECONDS, reason=str(exc))
        return "waiting", None
    except BadPayload as exc:
        entry_fail(entry_id, code="BadPayload", message=str(exc))
        return "failed", None
    try:
        gas = backend.estimate_gas(call)
    except ChainReverted as exc:
        if predecessors_in_flight(entry):
            if can_flush:
                return "retry", None
            entry_wait(entry_id, seconds=settings.CHAIN_WAIT_SECONDS,
                       reason=f"an earlier action is in flight; estimation said {exc.message}")
            return "waiting", None
        entry_fail(entry_id, code=exc.code or "Reverted", message=exc.message)
        return "failed", None
    return "ready", Ready(entry_id=entry_id, step=step, call=call, gas=gas, kind=entry.kind,
                          security_id=_security_of(entry))


def relay_ready(ready: list[Ready], *, ctx: SweepContext) -> int:
    """Prepare estimated actions in one transaction, then broadcast them in nonce order.
    Returns how many were submitted (the others were moved on by another worker)."""
    backend = ctx.backend
    max_fee, priority = ctx.fees()
    prepared = prepare_many(ready, max_fee=max_fee, priority=priority, node_pending=ctx.node_pending(),
                            backend=backend)
    for item in prepared:
        broadcast(item, backend=backend)
    return len(prepared)


def relay_entry(entry_id: int, *, backend, ctx: SweepContext | None = None) -> str:  # noqa: ANN001
    """Send the next step of one claimed entry. Returns "submitted", "waiting", "failed" or
    "skipped"; raises ChainUnavailable (the caller backs off)."""
    ctx = ctx or SweepContext(backend)
    outcome, ready = estimate_entry(entry_id, ctx=ctx)
    if ready is None:
        return outcome
    return "submitted" if relay_ready([ready], ctx=ctx) else "skipped"


def prepare_many(ready: list[Ready], *, max_fee: int, priority: int, node_pending: int,
                 backend) -> list[Prepared]:  # noqa: ANN001
    """:func:`prepare` for several actions in ONE transaction: the entries are locked first
    (id order), then for each one still PENDING at the same step: nonce, signature,
    ChainTransaction PREPARED, entry SUBMITTED. Returns what was stored, in nonce order."""
    if not ready:
        return []
    out: list[Prepared] = []
    moved: list[tuple[OutboxEntry, str]] = []
    chain_id = backend.chain_id()
    with transaction.atomic(durable=True):
        locked = {e.pk: e for e in OutboxEntry.objects.select_for_update()
                  .filter(pk__in=[r.entry_id for r in ready]).order_by("id")}
        for item in ready:
            entry = locked.get(item.entry_id)
            if entry is None or entry.status != OutboxEntry.Status.PENDING or next_step(entry) != item.step:
                continue
            nonce = nonce_allocate(signer=backend.address, chain_id=chain_id, node_pending=node_pending)
            signed = backend.build_and_sign(item.call, nonce=nonce, gas=item.gas, max_fee_per_gas=max_fee,
                                            max_priority_fee_per_gas=priority)
            tx = ChainTransaction.objects.create(
                entry=entry, step=item.step, signer=backend.address, chain_id=chain_id, nonce=nonce,
                to_address=item.call.address or "", function=item.call.function, raw_tx=signed.raw,
                tx_hash=signed.hash, gas_limit=item.gas, max_fee_per_gas=max_fee, max_priority_fee_per_gas=priority)
            moved.append((entry, f"step {item.step} {item.call.function} nonce {nonce} tx {signed.hash}"))
            out.append(Prepared(tx_id=tx.pk, tx_hash=signed.hash, raw=signed.raw))
        if moved:
            OutboxEntry.objects.filter(pk__in=[e.pk for e, _ in moved]).update(last_error="", updated_at=timezone.now())
        for entry, reason in moved:   # last: transition's audit event takes the audit chain's global lock
            transition(entry, to=OutboxEntry.Status.SUBMITTED, actor=None, reason=reason)
    return out


def prepare(*, entry_id: int, step: int, call: ContractCall, gas: int, max_fee: int, priority: int,
            node_pending: int, backend) -> Prepared | None:  # noqa: ANN001
    """Allocate the nonce, sign, store PREPARED and mark the entry SUBMITTED, atomically.
    Returns None when another worker got there first (nothing is signed then)."""
    with transaction.atomic(durable=True):
        entry = OutboxEntry.objects.select_for_update().get(pk=entry_id)
        if entry.status != OutboxEntry.Status.PENDING or next_step(entry) != step:
            return None
        nonce = nonce_allocate(signer=backend.address, chain_id=backend.chain_id(), node_pending=node_pending)
        signed = backend.build_and_sign(call, nonce=nonce, gas=gas, max_fee_per_gas=max_fee,
                                        max_priority_fee_per_gas=priority)
        tx = ChainTransaction.objects.create(
            entry=entry, step=step, signer=backend.address, chain_id=backend.chain_id(), nonce=nonce,
            to_address=call.address or "", function=call.function, raw_tx=signed.raw, tx_hash=signed.hash,
            gas_limit=gas, max_fee_per_gas=max_fee, max_priority_fee_per_gas=priority)
        OutboxEntry.objects.filter(pk=entry_id).update(last_error="", updated_at=timezone.now())
        transition(entry, to=OutboxEntry.Status.SUBMITTED, actor=None,
                   reason=f"step {step} {call.function} nonce {nonce} tx {signed.hash}")
    return Prepared(tx_id=tx.pk, tx_hash=signed.hash, raw=signed.raw)


def broadcast(prepared: Prepared, *, backend) -> None:  # noqa: ANN001
    """Send the stored bytes and mark the transaction BROADCAST (a no-op when the confirmer
    already saw it mined). On ChainUnavailable it stays PREPARED for the next sweep."""
    try:
        backend.broadcast(prepared.raw)
    except ChainUnavailable as exc:
        ChainTransaction.objects.filter(pk=prepared.tx_id, status=Status.PREPARED).update(
            broadcast_attempts=F("broadcast_attempts") + 1, error_message=exc.message, updated_at=timezone.now())
        raise
    ChainTransaction.objects.filter(pk=prepared.tx_id, status=Status.PREPARED).update(
        status=Status.BROADCAST, broadcast_at=timezone.now(), broadcast_attempts=F("broadcast_attempts") + 1,
        error_message="", updated_at=timezone.now())


def rebroadcast_prepared(*, backend, limit: int = 200) -> int:  # noqa: ANN001
    """Rebroadcast PREPARED transactions left behind (stored bytes, nonce order)."""
    cutoff = timezone.now() - timedelta(seconds=settings.CHAIN_REBROADCAST_AFTER_SECONDS)
    with transaction.atomic(durable=True):
        rows = list(
            ChainTransaction.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PREPARED, updated_at__lte=cutoff, signer=backend.address)
            .order_by("nonce", "id").values_list("id", "tx_hash", "raw_tx")[:limit]
        )
        if rows:  # lease: other sweepers skip them for a while
            ChainTransaction.objects.filter(pk__in=[r[0] for r in rows]).update(updated_at=timezone.now())
    for tx_id, tx_hash, raw in rows:
        broadcast(Prepared(tx_id=tx_id, tx_hash=tx_hash, raw=bytes(raw)), backend=backend)
    return len(rows)
