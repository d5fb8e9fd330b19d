"""Batched mints: consecutive pending ``token.mint`` actions of one security go out as ONE
``batchMint`` transaction (one signature, one nonce, ~21k gas of overhead instead of N).

* **Grouping** (:func:`plan_batches`), over the entries one relay sweep claimed, in id order:
  a batch starts at a ``token.mint`` and takes the following claimed mints of the same
  security, up to ``CHAIN_BATCH_MAX_MINTS``. It stops at anything whose order relative to
  the mints matters: a registry action (it may register or revoke a recipient) or another
  kind of action on the same token. Actions of other tokens do not stop it (they commute).
  A mint that was already in a batch that reverted is never batched again (see below).
  A group of one is an ordinary single action.
* **Sending** (:func:`relay_batch`): every member's own call is built first (a bad payload or
  a token not yet deployed sends that member down the single path, which fails or waits it
  with the usual reason); gas is estimated for the batch outside any transaction (a revert
  there: every member goes down the single path, so only the guilty one fails, with its
  decoded error); then one short transaction locks the members, allocates one nonce, signs,
  stores the ChainTransaction (``entry`` = the first member) with one
  :class:`ChainTransactionEntry` per member and marks them all SUBMITTED. Broadcast after.
* **Ref**: ``keccak("batch:" + sorted keys)`` (chain/calls.py), deterministic, so a crash
  between signing and broadcasting is finished by rebroadcasting the stored bytes, and even a
  re-signed batch of the same set would be refused by the contract (``RefAlreadyUsed``).
* **A batch that reverts on chain** (the confirmer): its members go back to PENDING and are
  sent one by one from then on, so the innocent ones confirm and the guilty one fails with
  its own decoded error.

``CHAIN_BATCH_MINTS = False`` switches all of this off (the benchmark compares both).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.db import insert_rows
from core.lifecycle import transition_many
from core.models import OutboxEntry

from .calls import AddressBook, BadPayload, TargetNotDeployed, build_batch_mint
from .models import ChainTransaction, ChainTransactionEntry
from .nonces import nonce_allocate
from .port import ChainReverted, ContractCall

log = logging.getLogger(__name__)
Status = ChainTransaction.Status
MINT = "token.mint"


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    security_id: str | None


def _security(payload: dict) -> str | None:
    value = payload.get("security_id") if isinstance(payload, dict) else None
    return None if value is None else str(value)


def batch_reverted_ids(entry_ids: list[int]) -> set[int]:
    """Entries that were members of a batch that reverted: they go one by one now."""
    return set(ChainTransactionEntry.objects.filter(
        entry_id__in=entry_ids, tx__status=Status.FAILED).exclude(tx__error_code="NonceConsumed")
        .values_list("entry_id", flat=True))


def plan_batches(entry_ids: list[int]) -> list[list[int]]:
    """Split claimed entry ids (in id order) into units to send: lists of one id (single
    actions) or of 2..CHAIN_BATCH_MAX_MINTS ids (a batch), in the order they must go out."""
    if not getattr(settings, "CHAIN_BATCH_MINTS", True) or len(entry_ids) < 2:
        return [[i] for i in entry_ids]
    rows = {pk: Claimed(pk, kind, _security(payload)) for pk, kind, payload in
            OutboxEntry.objects.filter(pk__in=entry_ids).values_list("id", "kind", "payload")}
    no_batch = batch_reverted_ids(entry_ids)
    cap = max(int(getattr(settings, "CHAIN_BATCH_MAX_MINTS", 200)), 2)
    taken: set[int] = set()
    units: list[list[int]] = []
    ordered = [rows[i] for i in entry_ids if i in rows]
    for index, head in enumerate(ordered):
        if head.id in taken:
            continue
        taken.add(head.id)
        group = [head.id]
        if head.kind == MINT and head.security_id is not None and head.id not in no_batch:
            for later in ordered[index + 1:]:
                if len(group) >= cap or later.kind.startswith("registry."):
                    break
                if later.security_id != head.security_id or not later.kind.startswith("token."):
                    continue
                if later.kind != MINT or later.id in no_batch or later.id in taken:
                    break
                group.append(later.id)
                taken.add(later.id)
        units.append(group)
    return units


def relay_batch(entry_ids: list[int], *, backend, relay_single, ctx=None) -> dict[str, int]:  # noqa: ANN001
    """Send a planned batch; members that cannot go in it take the single path
    (``relay_single(entry_id) -> outcome``). Returns outcome counts."""
    counts: dict[str, int] = {}

    def single(ids: list[int]) -> None:
        for entry_id in ids:
            outcome = relay_single(entry_id)
            counts[outcome] = counts.get(outcome, 0) + 1

    entries = list(OutboxEntry.objects.filter(pk__in=entry_ids, status=OutboxEntry.Status.PENDING).order_by("id"))
    chain_id = backend.chain_id()
    addresses = ctx.addresses if ctx is not None else AddressBook(chain_id)
    members = []
    for entry in entries:
        try:
            build_batch_mint(entries=[entry, entry], chain_id=chain_id, addresses=addresses)   # payload and token
        except (BadPayload, TargetNotDeployed):
            single([entry.pk])
            continue
        members.append(entry)
    if len(members) < 2:
        single([e.pk for e in members])
        return counts
    call = build_batch_mint(entries=members, chain_id=chain_id, addresses=addresses)
    gas = backend.estimate_gas_many([call])[0]
    if isinstance(gas, ChainReverted):
        log.info("batch of %d mints would revert (%s): sending them one by one", len(members), gas.message)
        single([e.pk for e in members])
        return counts
    if ctx is not None:   # the sweep's reads (chain/relay.py SweepContext)
        (max_fee, priority), node_pending = ctx.fees(), ctx.node_pending()
    else:
        (max_fee, priority), node_pending = backend.suggest_fees(), backend.next_nonce()
    prepared = prepare_batch(entry_ids=[e.pk for e in members], call=call, gas=gas, max_fee=max_fee,
                             priority=priority, node_pending=node_pending, backend=backend)
    if prepared is None:
        single([e.pk for e in members])   # someone moved one of them on: the rest go singly
        return counts
    from .relay import broadcast

    broadcast(prepared, backend=backend)
    counts["submitted"] = counts.get("submitted", 0) + len(members)
    return counts


def prepare_batch(*, entry_ids: list[int], call: ContractCall, gas: int, max_fee: int, priority: int,
                  node_pending: int, backend):  # noqa: ANN001, ANN201
    """Lock the members, allocate one nonce, sign, store the transaction and its links, mark
    every member SUBMITTED; all in one transaction. None when a member is no longer PENDING
    (nothing is signed then)."""
    from .relay import Prepared

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
        insert_rows([ChainTransactionEntry(tx=tx, entry_id=entry_id, position=i) for i, entry_id in enumerate(entry_ids)])
        transition_many([by_id[entry_id] for entry_id in entry_ids], to=OutboxEntry.Status.SUBMITTED, actor=None,
                        reason=f"batchMint of {len(entry_ids)} nonce {nonce} tx {signed.hash}",
                        also={"last_error": "", "updated_at": timezone.now()})
    return Prepared(tx_id=tx.pk, tx_hash=signed.hash, raw=signed.raw)


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


def batch_call_for(tx: ChainTransaction) -> ContractCall:
    """Rebuild a batch's call (for a fee bump): same members, same order, same ref."""
    ids = member_ids(tx)
    by_id = OutboxEntry.objects.in_bulk(ids)
    return build_batch_mint(entries=[by_id[i] for i in ids], chain_id=tx.chain_id)


def copy_links(*, source: ChainTransaction, to: ChainTransaction) -> None:
    ChainTransactionEntry.objects.bulk_create(
        [ChainTransactionEntry(tx=to, entry_id=link.entry_id, position=link.position)
         for link in ChainTransactionEntry.objects.filter(tx_id=source.pk)])
