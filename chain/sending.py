"""Sending transactions: prepare, sign, store, broadcast. The one path shared by the relay's
single actions (chain/relay.py), its batched mints (chain/batches.py) and the confirmer's
replacements (fee bumps, chain/confirmer.py)::

    caller, outside any transaction: build the call (chain/calls.py), estimate its gas
      |
    prepare (ONE short transaction)                 prepare_many / prepare_batch / prepare_replacement
      lock the entries (id order), re-check them
      allocate the nonce(s) in PostgreSQL           chain/nonces.py (a replacement keeps its nonce)
      sign locally                                  chain/signing.py, via the port's build_and_sign
      store ChainTransaction PREPARED (raw bytes + hash; a batch's links)
      entries PENDING -> SUBMITTED (audited, last)
      |
    broadcast (outside)                             broadcast_many / broadcast
      the stored bytes, one round trip, nonce order
      rows PREPARED -> BROADCAST (ChainTransaction.TRANSITIONS); a refused one stays PREPARED
      |
    a crash in between: rebroadcast_prepared sends the SAME stored bytes again (never re-signs)

:class:`SweepContext` carries the reads one relay sweep shares (fees, the node's pending
nonce, contract addresses). Nothing here decides what to send or when: the relay and the
confirmer decide, chain/scheduling.py says when.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from core.audit import audit_record
from core.db import insert_rows
from core.lifecycle import transition_many
from core.models import OutboxEntry

from .calls import MULTI_STEP_KINDS, AddressBook, build_call, payload_of
from .models import ChainTransaction, ChainTransactionEntry
from .nonces import nonce_allocate
from .port import ChainBackend, ChainUnavailable, ContractCall

log = logging.getLogger(__name__)
Status = ChainTransaction.Status


@dataclass(frozen=True)
class Prepared:
    """What the prepare transaction stored: enough to broadcast without another query."""

    tx_id: int
    tx_hash: str
    raw: bytes


@dataclass(frozen=True)
class Ready:
    """A single action estimated and ready to be prepared."""

    entry_id: int
    step: int
    call: ContractCall
    gas: int


class SweepContext:
    """Reads shared by one sweep: the fees and the node's pending nonce are read once
    (lazily), not once per action, and contract addresses once per contract. A pending count
    read earlier is never higher than the node's real one, and nonce_allocate never moves
    back on a lower one, so this is safe."""

    def __init__(self, backend: ChainBackend) -> None:
        self.backend = backend
        self._fees: tuple[int, int] | None = None
        self._node_pending: int | None = None
        self._addresses: AddressBook | None = None

    def _load(self) -> None:
        if self._fees is None or self._node_pending is None:
            self._fees, self._node_pending = self.backend.fees_and_pending_nonce()

    def fees(self) -> tuple[int, int]:
        self._load()
        return self._fees

    def node_pending(self) -> int:
        self._load()
        return self._node_pending

    @property
    def addresses(self) -> AddressBook:
        if self._addresses is None:
            self._addresses = AddressBook(self.backend.chain_id())
        return self._addresses


# ---------------------------------------------------------------- what to sign

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
    """The contract call of one step of an outbox action (chain/calls.py)."""
    return build_call(payload=payload_of(entry), idempotency_key=entry.idempotency_key, step=step,
                      chain_id=chain_id, signer=signer, token_admin=settings.CHAIN_TOKEN_ADMIN, addresses=addresses)


# ---------------------------------------------------------------- prepare: lock, nonce, sign, store

def prepare_many(ready: list[Ready], *, max_fee: int, priority: int, node_pending: int,
                 backend: ChainBackend) -> list[Prepared]:
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
            node_pending: int, backend: ChainBackend) -> Prepared | None:
    """Allocate the nonce, sign, store PREPARED and mark the entry SUBMITTED, atomically.
    Returns None when another worker got there first (nothing is signed then)."""
    prepared = prepare_many([Ready(entry_id=entry_id, step=step, call=call, gas=gas)], max_fee=max_fee,
                            priority=priority, node_pending=node_pending, backend=backend)
    return prepared[0] if prepared else None


def prepare_batch(*, entry_ids: list[int], call: ContractCall, gas: int, max_fee: int, priority: int,
                  node_pending: int, backend: ChainBackend) -> Prepared | None:
    """Lock the members, allocate one nonce, sign, store the transaction and its links, mark
    every member SUBMITTED; all in one transaction. None when a member is no longer PENDING
    (nothing is signed then)."""
    with transaction.atomic(durable=True):
        entries = list(OutboxEntry.objects.select_for_update().filter(pk__in=entry_ids).only("id", "status")
                       .order_by("id"))
        if len(entries) != len(entry_ids) or any(e.status != OutboxEntry.Status.PENDING for e in entries):
            return None
        if ChainTransaction.objects.filter(entry__in=entries, status=Status.CONFIRMED).exists():
            return None
        by_id = {e.pk: e for e in entries}
        nonce = nonce_allocate(signer=backend.address, chain_id=backend.chain_id(), node_pending=node_pending)
        signed = backend.build_and_sign(call, nonce=nonce, gas=gas, max_fee_per_gas=max_fee,
                                        max_priority_fee_per_gas=priority)
        tx = ChainTransaction.objects.create(
            entry=by_id[entry_ids[0]], step=0, signer=backend.address, chain_id=backend.chain_id(), nonce=nonce,
            to_address=call.address or "", function=call.function, raw_tx=signed.raw, tx_hash=signed.hash,
            gas_limit=gas, max_fee_per_gas=max_fee, max_priority_fee_per_gas=priority)
        insert_rows([ChainTransactionEntry(tx=tx, entry_id=entry_id, position=i)
                     for i, entry_id in enumerate(entry_ids)])
        transition_many([by_id[entry_id] for entry_id in entry_ids], to=OutboxEntry.Status.SUBMITTED, actor=None,
                        reason=f"batchMint of {len(entry_ids)} nonce {nonce} tx {signed.hash}",
                        also={"last_error": "", "updated_at": timezone.now()})
    return Prepared(tx_id=tx.pk, tx_hash=signed.hash, raw=signed.raw)


def prepare_replacement(*, stuck: ChainTransaction, call: ContractCall, max_fee: int, priority: int,
                        backend: ChainBackend) -> Prepared | None:
    """A fee bump: sign ``call`` again under ``stuck``'s nonce with these fees and store it
    (``replaces`` = stuck, the same links), in one transaction with the entry and the
    nonce's rows locked. None when the nonce moved on meanwhile (mined, or bumped by another
    worker): nothing is signed then."""
    with transaction.atomic(durable=True):
        entry = OutboxEntry.objects.select_for_update().get(pk=stuck.entry_id)
        group = list(ChainTransaction.objects.select_for_update().filter(
            signer=stuck.signer, chain_id=stuck.chain_id, nonce=stuck.nonce).order_by("id"))
        if group[-1].pk != stuck.pk or group[-1].status != stuck.status:
            return None
        signed = backend.build_and_sign(call, nonce=stuck.nonce, gas=stuck.gas_limit, max_fee_per_gas=max_fee,
                                        max_priority_fee_per_gas=priority)
        bump = ChainTransaction.objects.create(
            entry=entry, step=stuck.step, signer=stuck.signer, chain_id=stuck.chain_id, nonce=stuck.nonce,
            to_address=stuck.to_address, function=stuck.function, raw_tx=signed.raw, tx_hash=signed.hash,
            gas_limit=stuck.gas_limit, max_fee_per_gas=max_fee, max_priority_fee_per_gas=priority, replaces=stuck)
        copy_links(source=stuck, to=bump)
        audit_record(action="chain.tx_fee_bumped", obj=bump,
                     old={"tx_hash": stuck.tx_hash, "max_fee_per_gas": stuck.max_fee_per_gas,
                          "max_priority_fee_per_gas": stuck.max_priority_fee_per_gas},
                     new={"tx_hash": bump.tx_hash, "nonce": bump.nonce, "max_fee_per_gas": max_fee,
                          "max_priority_fee_per_gas": priority})
    return Prepared(tx_id=bump.pk, tx_hash=bump.tx_hash, raw=signed.raw)


# ---------------------------------------------------------------- broadcast

def broadcast_many(prepared: list[Prepared], *, backend: ChainBackend) -> None:
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
        ChainTransaction.objects.filter(pk__in=sent, status=Status.PREPARED).move(
            Status.BROADCAST, broadcast_at=now, broadcast_attempts=F("broadcast_attempts") + 1,
            error_message="", updated_at=now)
    refused = [(p, problem) for p, problem in zip(prepared, outcomes, strict=True) if problem is not None]
    for item, problem in refused:
        ChainTransaction.objects.filter(pk=item.tx_id, status=Status.PREPARED).update(
            broadcast_attempts=F("broadcast_attempts") + 1, error_message=problem.message, updated_at=now)
    if refused:
        raise refused[0][1]


def broadcast(prepared: Prepared, *, backend: ChainBackend) -> None:
    """:func:`broadcast_many` of one transaction."""
    broadcast_many([prepared], backend=backend)


def rebroadcast_prepared(*, backend: ChainBackend, limit: int = 200) -> int:
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


# ---------------------------------------------------------------- what a stored transaction carries

def member_ids(tx: ChainTransaction) -> list[int]:
    """The entries a transaction carries, in call order (one for a single action)."""
    return members_of([tx])[tx.pk]


def members_of(txs: list[ChainTransaction]) -> dict[int, list[int]]:
    """:func:`member_ids` of several transactions in one query: {tx id: entry ids}."""
    linked: dict[int, list[int]] = {}
    for tx_id, entry_id in (ChainTransactionEntry.objects.filter(tx_id__in=[t.pk for t in txs])
                            .order_by("tx_id", "position").values_list("tx_id", "entry_id")):
        linked.setdefault(tx_id, []).append(entry_id)
    return {tx.pk: linked.get(tx.pk) or [tx.entry_id] for tx in txs}


def copy_links(*, source: ChainTransaction, to: ChainTransaction) -> None:
    """A replacement carries the same entries as the transaction it replaces."""
    ChainTransactionEntry.objects.bulk_create(
        [ChainTransactionEntry(tx=to, entry_id=link.entry_id, position=link.position)
         for link in ChainTransactionEntry.objects.filter(tx_id=source.pk)])
