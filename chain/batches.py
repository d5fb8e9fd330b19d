"""Batched mints: consecutive pending ``token.mint`` actions of one security go out as ONE
``batchMint`` transaction (one signature, one nonce, ~21k gas of overhead instead of N).

* **Grouping** (:func:`plan_batches`), over the entries one relay sweep claimed, in id order:
  a batch starts at a ``token.mint`` and takes the following claimed mints of the same
  security, up to ``CHAIN_BATCH_MAX_MINTS``. It stops at anything whose order relative to
  the mints matters: a registry action (it may register or revoke a recipient) or another
  kind of action on the same token (a settlement too, with it as its security or cash leg;
  a paying agent's ``payment.batch`` or ``redemption.burn``, which is never merged: it goes
  alone, after the mints before it).
  Actions of other tokens do not stop it (they commute).
  A mint that was already in a batch that reverted is never batched again (see below).
  A group of one is an ordinary single action.
* **Sending** (:func:`relay_batch`): every member's own call is built first (a bad payload or
  a token not yet deployed sends that member down the single path, which fails or waits it
  with the usual reason); gas is estimated for the batch outside any transaction (a revert
  there: every member goes down the single path, so only the guilty one fails, with its
  decoded error); then chain/sending.py's ``prepare_batch`` locks the members, allocates one
  nonce, signs, stores the ChainTransaction (``entry`` = the first member) with one
  :class:`ChainTransactionEntry` per member and marks them all SUBMITTED, in one short
  transaction. Broadcast after. The members that must take the single path are handed back
  to the relay, which sends them as it sends any single action.
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
from dataclasses import dataclass, field

from django.conf import settings

from core.models import OutboxEntry
from core.outbox_payloads import OutboxKind

from .calls import BadPayload, TargetNotDeployed, build_batch_mint, securities_of
from .models import ChainTransaction, ChainTransactionEntry
from .port import ChainReverted, ContractCall
from .sending import SweepContext, broadcast, member_ids, prepare_batch

log = logging.getLogger(__name__)
Status = ChainTransaction.Status
MINT = OutboxKind.TOKEN_MINT


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    security_id: int | None   # the token of a one-token action
    securities: frozenset[int] = frozenset()   # every token it touches (a settlement: two)

    @classmethod
    def of(cls, pk: int, kind: str, payload: object) -> Claimed:
        securities = securities_of(kind, payload)
        return cls(pk, kind, next(iter(securities)) if len(securities) == 1 else None, securities)


@dataclass
class BatchOutcome:
    """What :func:`relay_batch` did: how many members it submitted in the batch, and the
    members that must go one by one (in id order), for the relay to send singly."""

    submitted: int = 0
    singles: list[int] = field(default_factory=list)




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
    rows = {pk: Claimed.of(pk, kind, payload) for pk, kind, payload in
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
                if head.security_id not in later.securities:
                    continue
                if later.kind != MINT or later.id in no_batch or later.id in taken:
                    break
                group.append(later.id)
                taken.add(later.id)
        units.append(group)
    return units


def relay_batch(entry_ids: list[int], *, ctx: SweepContext) -> BatchOutcome:
    """Send a planned batch (the sweep's reads in ``ctx``). Members that cannot go in it are
    returned in ``singles``: the relay sends them down its single path (which fails or waits
    a bad one with its own reason)."""
    backend = ctx.backend
    outcome = BatchOutcome()
    entries = list(OutboxEntry.objects.filter(pk__in=entry_ids, status=OutboxEntry.Status.PENDING).order_by("id"))
    chain_id = backend.chain_id()
    members = []
    for entry in entries:
        try:
            build_batch_mint(entries=[entry, entry], chain_id=chain_id, addresses=ctx.addresses)   # payload, token
        except (BadPayload, TargetNotDeployed):
            outcome.singles.append(entry.pk)
            continue
        members.append(entry)
    if len(members) < 2:
        outcome.singles = sorted(outcome.singles + [e.pk for e in members])
        return outcome
    call = build_batch_mint(entries=members, chain_id=chain_id, addresses=ctx.addresses)
    gas = backend.estimate_gas_many([call])[0]
    if isinstance(gas, ChainReverted):
        log.info("batch of %d mints would revert (%s): sending them one by one", len(members), gas.message)
        outcome.singles = sorted(outcome.singles + [e.pk for e in members])
        return outcome
    (max_fee, priority), node_pending = ctx.fees(), ctx.node_pending()
    prepared = prepare_batch(entry_ids=[e.pk for e in members], call=call, gas=gas, max_fee=max_fee,
                             priority=priority, node_pending=node_pending, backend=backend)
    if prepared is None:   # someone moved one of them on: the rest go singly
        outcome.singles = sorted(outcome.singles + [e.pk for e in members])
        return outcome
    broadcast(prepared, backend=backend)
    outcome.submitted = len(members)
    return outcome


def batch_call_for(tx: ChainTransaction) -> ContractCall:
    """Rebuild a batch's call (for a fee bump): same members, same order, same ref."""
    ids = member_ids(tx)
    by_id = OutboxEntry.objects.in_bulk(ids)
    return build_batch_mint(entries=[by_id[i] for i in ids], chain_id=tx.chain_id)
