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

def relay_sweep(*, backend=None, batch_size: int | None = None) -> RelayResult:  # noqa: ANN001
    """One pass of the relay (see module doc). Raises ChainUnavailable when the node cannot
    be reached, after putting the batch back with backoff."""
    backend = backend or get_backend()
    result = RelayResult()
    result.rebroadcast = rebroadcast_prepared(backend=backend)
    claimed = claim_pending(batch_size=batch_size or settings.CHAIN_RELAY_BATCH_SIZE)
    result.claimed = len(claimed)
    units = plan_batches(claimed)   # [id] for a single action, [id, id, ...] for a batchMint
    for index, unit in enumerate(units):
        try:
            if len(unit) == 1:
                outcomes = {relay_entry(unit[0], backend=backend): 1}
            else:
                outcomes = relay_batch(unit, backend=backend,
                                       relay_single=lambda entry_id: relay_entry(entry_id, backend=backend))
        except ChainUnavailable as exc:
            for rest in units[index:]:
                for entry_id in rest:
                    entry_retry_later(entry_id, message=exc.message)
            raise
        for outcome, n in outcomes.items():
            if outcome != "skipped":
                setattr(result, outcome, getattr(result, outcome) + n)
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


def relay_entry(entry_id: int, *, backend) -> str:  # noqa: ANN001
    """Send the next step of one claimed entry. Returns "submitted", "waiting", "failed" or
    "skipped"; raises ChainUnavailable (the caller backs off)."""
    entry = OutboxEntry.objects.get(pk=entry_id)
    if entry.status != OutboxEntry.Status.PENDING:
        return "skipped"
    step = next_step(entry)
    chain_id = backend.chain_id()
    try:
        call = call_for(entry, step, chain_id=chain_id, signer=backend.address)
    except TargetNotDeployed as exc:
        entry_wait(entry_id, seconds=settings.CHAIN_WAIT_SECONDS, reason=str(exc))
        return "waiting"
    except BadPayload as exc:
        entry_fail(entry_id, code="BadPayload", message=str(exc))
        return "failed"
    try:
        gas = backend.estimate_gas(call)
    except ChainReverted as exc:
        if predecessors_in_flight(entry):
            entry_wait(entry_id, seconds=settings.CHAIN_WAIT_SECONDS,
                       reason=f"an earlier action is in flight; estimation said {exc.message}")
            return "waiting"
        entry_fail(entry_id, code=exc.code or "Reverted", message=exc.message)
        return "failed"
    max_fee, priority = backend.suggest_fees()
    node_pending = backend.next_nonce()
    prepared = prepare(entry_id=entry_id, step=step, call=call, gas=gas, max_fee=max_fee, priority=priority,
                       node_pending=node_pending, backend=backend)
    if prepared is None:
        return "skipped"
    broadcast(prepared, backend=backend)
    return "submitted"


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
