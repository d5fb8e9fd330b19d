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
from django.db.models import Count, F, Q
from django.utils import timezone

from core.db import insert_rows
from core.lifecycle import transition_many
from core.models import OutboxEntry

from .backend import get_backend
from .batches import plan_batches, relay_batch
from .calls import MULTI_STEP_KINDS, AddressBook, BadPayload, TargetNotDeployed, build_call
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
    """Reads shared by one sweep: the fees and the node's pending nonce are read once
    (lazily), not once per action, and contract addresses once per contract. A pending count
    read earlier is never higher than the node's real one, and nonce_allocate never moves
    back on a lower one, so this is safe."""

    def __init__(self, backend) -> None:  # noqa: ANN001
        self.backend = backend
        self._fees: tuple[int, int] | None = None
        self._node_pending: int | None = None
        self._addresses: AddressBook | None = None

    def _read(self) -> None:
        if self._fees is None or self._node_pending is None:
            self._fees, self._node_pending = self.backend.fees_and_pending_nonce()

    def fees(self) -> tuple[int, int]:
        self._read()
        return self._fees

    def node_pending(self) -> int:
        self._read()
        return self._node_pending

    @property
    def addresses(self) -> AddressBook:
        if self._addresses is None:
            self._addresses = AddressBook(self.backend.chain_id())
        return self._addresses


@dataclass(frozen=True)
class Ready:
    """A single action estimated and ready to be prepared."""

    entry_id: int
    step: int
    call: ContractCall
    gas: int


def _security_of(entry: OutboxEntry) -> str | None:
    value = entry.payload.get("security_id") if isinstance(entry.payload, dict) else None
    return None if value is None else str(value)


def depends_on_group(entry: OutboxEntry, group: list[OutboxEntry]) -> bool:
    """Whether ``entry``'s estimate may depend on an action of the group not sent yet (the
    estimate would see the chain without it): a registry action on either side, or another
    action of the same token, unless both are plain mints (mints of one token commute for
    estimation; the register checked the holding rules). Such an entry starts a new group,
    estimated after the earlier one went out, as if the actions were sent one by one."""
    security = _security_of(entry)
    for item in group:
        if entry.kind.startswith("registry.") or item.kind.startswith("registry."):
            return True
        if security is not None and _security_of(item) == security and not (
                entry.kind == "token.mint" and item.kind == "token.mint"):
            return True
    return False


def relay_sweep(*, backend=None, batch_size: int | None = None) -> RelayResult:  # noqa: ANN001
    """One pass of the relay (see module doc). Raises ChainUnavailable when the node cannot
    be reached, after putting the rest of the claim back with backoff.

    The claimed single actions are cut into groups of independent ones (:func:`depends_on_group`),
    in claim order; each group is estimated in one round trip, prepared in ONE transaction
    (nonces, signatures, rows) and broadcast in one round trip, in nonce order, before the next
    group is estimated. A batch unit goes out between groups, in its place in the order."""
    backend = backend or get_backend()
    result = RelayResult()
    result.rebroadcast = rebroadcast_prepared(backend=backend)
    claimed = claim_pending(batch_size=batch_size or settings.CHAIN_RELAY_BATCH_SIZE)
    result.claimed = len(claimed)
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
                count(relay_batch(unit, backend=backend, ctx=ctx,
                                  relay_single=lambda entry_id: relay_entry(entry_id, backend=backend, ctx=ctx)))
        index = len(units)
        flush()
    except ChainUnavailable as exc:
        backoff = in_hand + [e.pk for e in group] + [i for rest in units[index:] for i in rest]
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


def next_steps(entries: list[OutboxEntry]) -> dict[int, int]:
    """Steps are done in order; an entry's next one is the number already confirmed (asked of
    the database only for kinds with several steps: a one-step action still PENDING has
    none confirmed)."""
    multi = [e.pk for e in entries if e.kind in MULTI_STEP_KINDS]
    done = dict(ChainTransaction.objects.filter(entry_id__in=multi, status=Status.CONFIRMED)
                .values("entry_id").annotate(n=Count("id")).values_list("entry_id", "n")) if multi else {}
    return {e.pk: done.get(e.pk, 0) for e in entries}


def next_step(entry: OutboxEntry) -> int:
    return next_steps([entry])[entry.pk]


def call_for(entry: OutboxEntry, step: int, *, chain_id: int, signer: str,
             addresses: AddressBook | None = None) -> ContractCall:
    return build_call(kind=entry.kind, payload=entry.payload, idempotency_key=entry.idempotency_key, step=step,
                      chain_id=chain_id, signer=signer, token_admin=settings.CHAIN_TOKEN_ADMIN, addresses=addresses)


def predecessors_in_flight(entry: OutboxEntry) -> bool:
    """Whether an earlier action that may change this one's outcome is not settled yet:
    any registry action, and for a token action any action of the same security."""
    earlier = OutboxEntry.objects.filter(
        id__lt=entry.id, status__in=[OutboxEntry.Status.PENDING, OutboxEntry.Status.SUBMITTED])
    related = Q(kind__startswith="registry.")
    if entry.kind.startswith("token.") and "security_id" in entry.payload:
        related |= Q(kind__startswith="token.", payload__security_id=entry.payload["security_id"])
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


def relay_entry(entry_id: int, *, backend, ctx: SweepContext | None = None) -> str:  # noqa: ANN001
    """Send the next step of one claimed entry. Returns "submitted", "waiting", "failed" or
    "skipped"; raises ChainUnavailable (the caller backs off)."""
    ctx = ctx or SweepContext(backend)
    entry = OutboxEntry.objects.filter(pk=entry_id).first()
    if entry is None or entry.status != OutboxEntry.Status.PENDING:
        return "skipped"
    counts = relay_group([entry], ctx=ctx)
    return next(outcome for outcome, n in counts.items() if n)


def prepare_many(ready: list[Ready], *, max_fee: int, priority: int, node_pending: int,
                 backend) -> list[Prepared]:  # noqa: ANN001
    """Prepare estimated actions in ONE transaction: the entries are locked (id order), those
    still PENDING at the same step get consecutive nonces (one allocation), are signed, stored
    as PREPARED ChainTransactions (one insert) and marked SUBMITTED (one update, their audit
    events last). Returns what was stored, in nonce order; nothing is signed for an entry
    another worker moved on."""
    if not ready:
        return []
    chain_id = backend.chain_id()
    with transaction.atomic(durable=True):
        locked = {e.pk: e for e in OutboxEntry.objects.select_for_update().only("id", "kind", "status")
                  .filter(pk__in=[r.entry_id for r in ready]).order_by("id")}
        steps = next_steps(list(locked.values()))
        todo = [r for r in ready if r.entry_id in locked
                and locked[r.entry_id].status == OutboxEntry.Status.PENDING and steps[r.entry_id] == r.step]
        if not todo:
            return []
        first = nonce_allocate(signer=backend.address, chain_id=chain_id, node_pending=node_pending, count=len(todo))
        rows = []
        for offset, item in enumerate(todo):
            signed = backend.build_and_sign(item.call, nonce=first + offset, gas=item.gas, max_fee_per_gas=max_fee,
                                            max_priority_fee_per_gas=priority)
            rows.append(ChainTransaction(
                entry=locked[item.entry_id], step=item.step, signer=backend.address, chain_id=chain_id,
                nonce=first + offset, to_address=item.call.address or "", function=item.call.function,
                raw_tx=signed.raw, tx_hash=signed.hash, gas_limit=item.gas, max_fee_per_gas=max_fee,
                max_priority_fee_per_gas=priority))
        insert_rows(rows)
        # last: the audit events take the audit chain's global lock
        transition_many([locked[item.entry_id] for item in todo], to=OutboxEntry.Status.SUBMITTED, actor=None,
                        reason=[f"step {item.step} {item.call.function} nonce {tx.nonce} tx {tx.tx_hash}"
                                for item, tx in zip(todo, rows, strict=True)],
                        also={"last_error": "", "updated_at": timezone.now()})
    return [Prepared(tx_id=tx.pk, tx_hash=tx.tx_hash, raw=bytes(tx.raw_tx)) for tx in rows]


def prepare(*, entry_id: int, step: int, call: ContractCall, gas: int, max_fee: int, priority: int,
            node_pending: int, backend) -> Prepared | None:  # noqa: ANN001
    """Allocate the nonce, sign, store PREPARED and mark the entry SUBMITTED, atomically.
    Returns None when another worker got there first (nothing is signed then)."""
    prepared = prepare_many([Ready(entry_id=entry_id, step=step, call=call, gas=gas)], max_fee=max_fee,
                            priority=priority, node_pending=node_pending, backend=backend)
    return prepared[0] if prepared else None


def broadcast_many(prepared: list[Prepared], *, backend) -> None:  # noqa: ANN001
    """Send the stored bytes in one round trip (nonce order) and mark the transactions
    BROADCAST (a no-op for one the confirmer already saw mined). One the node refused, or all
    when it cannot be reached, stay PREPARED for a later rebroadcast; ChainUnavailable is
    raised after the others were marked."""
    if not prepared:
        return
    try:
        outcomes = backend.broadcast_many([p.raw for p in prepared])
    except ChainUnavailable as exc:
        outcomes = [exc] * len(prepared)
    now = timezone.now()
    sent = [p.tx_id for p, problem in zip(prepared, outcomes, strict=True) if problem is None]
    if sent:
        ChainTransaction.objects.filter(pk__in=sent, status=Status.PREPARED).update(
            status=Status.BROADCAST, broadcast_at=now, broadcast_attempts=F("broadcast_attempts") + 1,
            error_message="", updated_at=now)
    refused = [(p, problem) for p, problem in zip(prepared, outcomes, strict=True) if problem is not None]
    for item, problem in refused:
        ChainTransaction.objects.filter(pk=item.tx_id, status=Status.PREPARED).update(
            broadcast_attempts=F("broadcast_attempts") + 1, error_message=problem.message, updated_at=now)
    if refused:
        raise refused[0][1]


def broadcast(prepared: Prepared, *, backend) -> None:  # noqa: ANN001
    """:func:`broadcast_many` of one transaction."""
    broadcast_many([prepared], backend=backend)


def rebroadcast_prepared(*, backend, limit: int = 200) -> int:  # noqa: ANN001
    """Rebroadcast PREPARED transactions left behind (stored bytes, nonce order), the newest
    of each nonce only (an older one was superseded by a fee bump). One the node refuses
    stays PREPARED with the node's answer in error_message (the confirmer replaces it when
    the refusal was about its fees; the mirror page lists the others); the sweep goes on.
    Raises ChainUnavailable only when the node cannot be reached."""
    cutoff = timezone.now() - timedelta(seconds=settings.CHAIN_REBROADCAST_AFTER_SECONDS)
    with transaction.atomic(durable=True):
        rows = list(
            ChainTransaction.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PREPARED, updated_at__lte=cutoff, signer=backend.address)
            .exclude(ChainTransaction.superseded())
            .order_by("nonce", "id").values_list("id", "tx_hash", "raw_tx")[:limit]
        )
        if rows:  # lease: other sweepers skip them for a while
            ChainTransaction.objects.filter(pk__in=[r[0] for r in rows]).update(updated_at=timezone.now())
    try:
        broadcast_many([Prepared(tx_id=tx_id, tx_hash=tx_hash, raw=bytes(raw)) for tx_id, tx_hash, raw in rows],
                       backend=backend)
    except ChainUnavailable as exc:
        if exc.code != "refused":
            raise
        log.warning("the node refused a stored transaction again: %s", exc.message)
    return len(rows)
