"""The confirmer: follows our transactions until the chain has decided.

One sweep (:func:`confirm_sweep`) goes over every signer lane (chain/lanes.py), one after the
other, each on its own: for a lane it reads the head block and the lane signer's mined nonce
count FIRST, then the receipts of its live transactions (PREPARED, BROADCAST, MINED) in one
round trip, grouped by nonce (an original and its fee bumps):

* one of the group has a receipt -> it won; the others become REPLACED. With fewer than
  ``CHAIN_CONFIRMATIONS`` it is MINED; then status 1 -> CONFIRMED (the entry moves to its next
  step or CONFIRMED; a ``token.deploy`` records ``SecurityToken:<id>``), status 0 -> FAILED
  with the decoded custom error (the entry FAILED, ``last_error = "[Code] message"``); a
  settlement's outcome goes to the register, a payment batch's to the paying agent, in that
  same transaction (chain/outcomes.py). A
  ``batchMint`` confirms all its entries with its hash, or, reverted, sends them all back to
  PENDING to go one by one (chain/batches.py).
* none has a receipt though the nonce is below the signer's mined count as of the block
  before the head -> a transaction we did not sign took the nonce: ours can never mine, so the
  original is FAILED (``NonceConsumed``) and the entry goes back to PENDING for a new nonce
  (its ref was never used on chain). The block before the head, because a node may expose
  the newest block's state a moment before its receipts: a nonce taken in the newest block
  is judged once another block follows it.
* a MINED one lost its receipt -> a reorg: back to BROADCAST.
* the newest is unknown to the node -> rebroadcast its stored bytes (dropped from the pool).
* the newest was broadcast more than ``CHAIN_STUCK_AFTER_SECONDS`` ago -> fee bump: sign the
  same call under the same nonce with fees raised by ``CHAIN_FEE_BUMP_PERCENT`` (>= 12.5, the
  minimum a node accepts for a replacement is 10) or today's fees if higher.

Network reads happen outside transactions; each decision is one short transaction with the
entry and the group's rows locked, re-checked before writing.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.db import update_rows
from core.lifecycle import transition, transition_many
from core.models import OutboxEntry
from core.outbox_payloads import OutboxKind
from notifications import hooks

from . import events
from .backend import get_backend
from .batches import batch_call_for
from .calls import DECIDED_FUNCTIONS, MULTI_STEP_KINDS, BadPayload, TargetNotDeployed, payload_of, step_count
from .lanes import lane_count
from .models import ChainTransaction, DeployedContract, token_contract_name
from .outcomes import entry_decided
from .port import ChainBackend, ChainUnavailable, Receipt
from .retries import error_text
from .sending import Prepared, broadcast, call_for, member_ids, members_of, prepare_replacement

log = logging.getLogger(__name__)
Status = ChainTransaction.Status


@dataclass
class ConfirmResult:
    confirmed: int = 0
    failed: int = 0
    mined: int = 0
    rebroadcast: int = 0
    bumped: int = 0
    requeued: int = 0
    pending: int = 0   # nonces whose transaction has no receipt yet (followed again soon)
    stepped: int = 0   # a step confirmed, the action's next step is PENDING (the relay's again)


def confirm_sweep(*, backend: ChainBackend | None = None, batch_size: int | None = None) -> ConfirmResult:
    """Follow the live transactions of every signer lane (of ``backend``'s signer only when it
    is given), each lane with its own reads and its own ``batch_size``: a lane whose
    transactions do not mine does not hold up the others. A lane the node cannot be asked
    about does not stop the others either; the first such error is raised at the end."""
    if backend is not None:
        return confirm_signer(backend=backend, batch_size=batch_size)
    result = ConfirmResult()
    problem: ChainUnavailable | None = None
    for lane in range(lane_count()):
        try:
            lane_result = confirm_signer(backend=get_backend(lane), batch_size=batch_size)
        except ChainUnavailable as exc:
            log.warning("confirming lane %d: %s", lane, exc.message)
            problem = problem or exc
            continue
        for name, value in vars(lane_result).items():
            setattr(result, name, getattr(result, name) + value)
    if problem is not None:
        raise problem
    return result


def confirm_signer(*, backend: ChainBackend, batch_size: int | None = None) -> ConfirmResult:
    """One sweep over the live transactions of ``backend``'s signer (see module doc)."""
    result = ConfirmResult()
    live = list(ChainTransaction.objects.filter(status__in=ChainTransaction.LIVE, signer=backend.address,
                                                chain_id=backend.chain_id())
                .order_by("nonce", "id")[: batch_size or settings.CHAIN_CONFIRM_BATCH_SIZE])
    if not live:
        return result
    # Node reads before the receipts. A nonce at or above the "latest" count cannot have
    # mined yet: its receipt is not even asked for (a backlog of sent transactions costs
    # nothing to follow). Below it, no receipt means another transaction took the nonce, but
    # only judged against the count as of the block BEFORE the head: every transaction mined
    # up to that block has its receipt stored by now (a node may show the newest block's state
    # a moment before its receipts, e.g. anvil).
    head, mined_latest = backend.head_and_mined_nonce()
    groups: dict[int, list[ChainTransaction]] = defaultdict(list)
    for tx in live:
        groups[tx.nonce].append(tx)
    asked = [tx for tx in live if tx.nonce < mined_latest]
    receipts = dict(zip((tx.pk for tx in asked), backend.receipts([tx.tx_hash for tx in asked]), strict=True))
    decided: list[tuple[ChainTransaction, Receipt, list[ChainTransaction]]] = []
    waiting: list[list[ChainTransaction]] = []
    missing: list[tuple[int, list[ChainTransaction]]] = []
    for nonce, group in sorted(groups.items()):
        winner = next((tx for tx in group if receipts.get(tx.pk) is not None), None)
        if winner is not None:
            decided.append((winner, receipts[winner.pk], group))
        elif nonce < mined_latest:
            missing.append((nonce, group))
        else:
            waiting.append(group)
    settled_count = backend.mined_nonce(max(head - 1, 0)) if missing else 0
    for nonce, group in missing:
        if nonce < settled_count:
            outcome = nonce_consumed(group=group)
            if outcome:
                setattr(result, outcome, getattr(result, outcome) + 1)
        else:
            waiting.append(group)
    # Whether the node still knows a transaction matters only once it had time to arrive.
    cutoff = timezone.now() - timedelta(seconds=settings.CHAIN_REBROADCAST_AFTER_SECONDS)
    newest = [tx.tx_hash for tx in (max(group, key=lambda t: t.pk) for group in waiting)
              if tx.status == Status.BROADCAST and (tx.broadcast_at or tx.created_at) <= cutoff]
    known = dict(zip(newest, backend.known_many(newest), strict=True)) if newest else {}
    for group in waiting:
        result.pending += 1
        outcome = follow_pending(group=group, backend=backend, known=known)
        if outcome:
            setattr(result, outcome, getattr(result, outcome) + 1)
    chunk = max(int(getattr(settings, "CHAIN_SETTLE_CHUNK", 100)), 1)
    # A settlement's (a payment batch's) outcome is the register's (the paying agent's) too
    # (chain/outcomes.py): each is decided in a transaction of its own, whose first locks are the
    # register's rows (then the audit chain's lock, as in every register service), never after
    # another decision's audit event.
    plain = [d for d in decided if d[0].function not in DECIDED_FUNCTIONS]
    units = [plain[start:start + chunk] for start in range(0, len(plain), chunk)]
    units += [[d] for d in decided if d[0].function in DECIDED_FUNCTIONS]
    for unit in units:   # the mined ones: few transactions, not one each
        for outcome in settle_many(unit, head=head):
            if outcome:
                setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def _error_code(message: str | None) -> str:
    head = (message or "").split("(", 1)[0].split(":", 1)[0].strip()
    return head if head.isidentifier() else "Reverted"


def settle(*, winner: ChainTransaction, receipt: Receipt, group: list[ChainTransaction], head: int) -> str | None:
    """Record the outcome of the group's mined transaction."""
    return settle_many([(winner, receipt, group)], head=head)[0]


@dataclass
class _Settlement:
    """What settling several mined groups writes, gathered so that the common outcome (a
    transaction confirmed, its entries CONFIRMED) costs a few statements for the lot."""

    now: object
    confirmed_txs: list[ChainTransaction] = field(default_factory=list)
    done: list[tuple[OutboxEntry, ChainTransaction, Receipt, str]] = field(default_factory=list)

    def write(self) -> None:
        if self.confirmed_txs:
            update_rows(self.confirmed_txs, [
                "status", "confirmed_at", "block_number", "gas_used", "contract_address", "mined_at", "updated_at"])
        if self.done:
            entries = [entry for entry, _, _, _ in self.done]
            transition_many(entries, to=OutboxEntry.Status.CONFIRMED, actor=None,
                            reason=[reason for _, _, _, reason in self.done])
            for entry, tx, receipt, _ in self.done:
                entry.tx_hash, entry.block_number = tx.tx_hash, receipt.block_number
                entry.confirmed_at = entry.updated_at = self.now
            update_rows(entries, ["tx_hash", "block_number", "confirmed_at", "updated_at"])


def settle_many(decided: list[tuple[ChainTransaction, Receipt, list[ChainTransaction]]], *,
                head: int) -> list[str | None]:
    """Record the outcomes of several mined groups in ONE transaction: every entry and
    transaction row involved is locked first (entries, then transactions, each in id order,
    as a single settle does), then each group is re-checked and decided; confirmations are
    written together at the end (one update per table, the audit events last: the audit
    chain's global lock)."""
    if not decided:
        return []
    members = members_of([winner for winner, _, _ in decided])
    entry_ids = sorted({i for ids in members.values() for i in ids})
    tx_ids = sorted({t.pk for _, _, group in decided for t in group})
    now = timezone.now()
    with transaction.atomic(durable=True):
        # (without the big columns: a payload is read, lazily, only for a multi-step action)
        entries = {e.pk: e for e in OutboxEntry.objects.select_for_update().only("id", "kind", "status")
                   .filter(pk__in=entry_ids).order_by("id")}
        rows = {tx.pk: tx for tx in ChainTransaction.objects.select_for_update().defer("raw_tx")
                .filter(pk__in=tx_ids).order_by("id")}
        batch = _Settlement(now=now)
        outcomes = [_settle_locked(winner=winner, receipt=receipt, group=group, head=head, now=now,
                                   members=members[winner.pk], entries=entries, rows=rows, batch=batch)
                    for winner, receipt, group in decided]
        batch.write()
    return outcomes


def _settle_locked(*, winner: ChainTransaction, receipt: Receipt, group: list[ChainTransaction], head: int,
                   now: datetime, members: list[int], entries: dict[int, OutboxEntry],
                   rows: dict[int, ChainTransaction], batch: _Settlement) -> str | None:
    confirmations = head - receipt.block_number + 1
    enough = confirmations >= settings.CHAIN_CONFIRMATIONS
    entry = entries[winner.entry_id]
    tx = rows[winner.pk]
    if tx.status not in ChainTransaction.LIVE:
        return None
    if enough and len(members) == 1:   # a settlement, a payment: the register first (see confirm_sweep)
        reverted = receipt.status != 1
        entry_decided(entry=entry, confirmed=not reverted, tx_hash=tx.tx_hash,
                      code=_error_code(receipt.error) if reverted else "",
                      message=(receipt.error or "reverted") if reverted else "")
    for other in (rows[t.pk] for t in group):
        if other.pk != tx.pk and other.status in ChainTransaction.LIVE:
            ChainTransaction.objects.filter(pk=other.pk).move(Status.REPLACED, updated_at=now)
            other.status = Status.REPLACED
            if other.replaces_id or tx.replaces_id:
                audit_record(action="chain.tx_replaced", obj=other,
                             new={"nonce": other.nonce, "tx_hash": other.tx_hash, "winner": tx.tx_hash})
    fields = {"block_number": receipt.block_number, "gas_used": receipt.gas_used,
              "contract_address": receipt.contract_address or "", "mined_at": tx.mined_at or now,
              "updated_at": now}
    if not enough:
        if tx.status != Status.MINED:
            ChainTransaction.objects.filter(pk=tx.pk).move(Status.MINED, **fields)
            tx.status = Status.MINED
        return "mined"
    if receipt.status == 1:
        for name, value in fields.items():
            setattr(tx, name, value)
        tx.move_to(Status.CONFIRMED)   # written with the sweep's other confirmations (_Settlement)
        tx.confirmed_at = now
        batch.confirmed_txs.append(tx)
        if len(members) > 1:   # a batchMint: every member confirmed with its hash
            for member in (entries[i] for i in members):
                if member.status == OutboxEntry.Status.SUBMITTED:
                    batch.done.append((member, tx, receipt,
                                       f"batch tx {tx.tx_hash} block {receipt.block_number}"))
            return "confirmed"
        _after_success(entry=entry, tx=tx, receipt=receipt)
        if entry.kind in MULTI_STEP_KINDS and tx.step + 1 < step_count(payload_of(entry)):
            transition(entry, to=OutboxEntry.Status.PENDING, actor=None,
                       reason=f"step {tx.step} confirmed in block {receipt.block_number}")
            OutboxEntry.objects.filter(pk=entry.pk).update(available_at=now, updated_at=now)
            return "stepped"
        batch.done.append((entry, tx, receipt, f"tx {tx.tx_hash} block {receipt.block_number}"))
        return "confirmed"
    if len(members) > 1:
        return _batch_reverted(tx=tx, receipt=receipt, entries=[entries[i] for i in members], fields=fields,
                               now=now)
    code, message = _error_code(receipt.error), receipt.error or "reverted"
    ChainTransaction.objects.filter(pk=tx.pk).move(Status.FAILED, error_code=code, error_message=message, **fields)
    tx.status = Status.FAILED
    OutboxEntry.objects.filter(pk=entry.pk).update(last_error=error_text(code, message), updated_at=now)
    transition(entry, to=OutboxEntry.Status.FAILED, actor=None, reason=code)
    hooks.action_failed(entry, action=f"#{entry.pk} {entry.kind}", error=code)
    events.action_failed(entry, code=code)
    return "failed"


def _batch_reverted(*, tx: ChainTransaction, receipt: Receipt, entries: list[OutboxEntry], fields: dict,
                    now: datetime) -> str:
    """A batchMint that reverted sends every member back to PENDING, to be sent one by one
    (chain/batches.py), so only the guilty one fails, with its own decoded error."""
    code, message = _error_code(receipt.error), receipt.error or "reverted"
    ChainTransaction.objects.filter(pk=tx.pk).move(Status.FAILED, error_code=code, error_message=message, **fields)
    tx.status = Status.FAILED
    audit_record(action="chain.batch_reverted", obj=tx,
                 new={"tx_hash": tx.tx_hash, "error": message, "entries": [e.pk for e in entries]})
    for entry in entries:
        if entry.status != OutboxEntry.Status.SUBMITTED:
            continue
        transition(entry, to=OutboxEntry.Status.PENDING, actor=None, reason=f"batch reverted: {code}")
    OutboxEntry.objects.filter(pk__in=[e.pk for e in entries], status=OutboxEntry.Status.PENDING).update(
        available_at=now, updated_at=now,
        last_error=error_text("batch_reverted", f"{message}; sent one by one now"))
    return "failed"


def _after_success(*, entry: OutboxEntry, tx: ChainTransaction, receipt: Receipt) -> None:
    if entry.kind == OutboxKind.TOKEN_DEPLOY and tx.step == 0:
        name = token_contract_name(payload_of(entry).security_id)
        contract, _ = DeployedContract.objects.update_or_create(
            name=name, chain_id=tx.chain_id,
            defaults={"address": receipt.contract_address or "", "tx_hash": tx.tx_hash})
        audit_record(action="chain.token_deployed", obj=contract,
                     new={"name": name, "address": contract.address, "tx_hash": tx.tx_hash,
                          "chain_id": tx.chain_id})


def nonce_consumed(*, group: list[ChainTransaction]) -> str | None:
    """None of ours mined under a nonce that is used: put the action back for a new nonce."""
    now = timezone.now()
    members = member_ids(group[0])
    with transaction.atomic(durable=True):
        entries = list(OutboxEntry.objects.select_for_update().filter(pk__in=members).order_by("id"))
        entry = next(e for e in entries if e.pk == group[0].entry_id)
        rows = list(ChainTransaction.objects.select_for_update()
                    .filter(pk__in=[t.pk for t in group], status__in=ChainTransaction.LIVE).order_by("id"))
        if not rows:
            return None
        original = next((t for t in rows if t.replaces_id is None), None)
        for tx in rows:
            failed = tx is original
            ChainTransaction.objects.filter(pk=tx.pk).move(
                Status.FAILED if failed else Status.REPLACED, updated_at=now,
                **({"error_code": "NonceConsumed",
                    "error_message": "another transaction used this nonce; the action is sent again"}
                   if failed else {}))
        audit_record(action="chain.nonce_consumed", obj=entry,
                     new={"nonce": rows[0].nonce, "tx_hashes": [t.tx_hash for t in rows]})
        for member in entries:
            if member.status == OutboxEntry.Status.SUBMITTED:
                transition(member, to=OutboxEntry.Status.PENDING, actor=None, reason="NonceConsumed")
                OutboxEntry.objects.filter(pk=member.pk).update(available_at=now, updated_at=now)
    return "requeued"


def follow_pending(*, group: list[ChainTransaction], backend: ChainBackend,
                   known: dict[str, bool] | None = None) -> str | None:
    """No receipt yet: undo a MINED after a reorg, rebroadcast a dropped tx, bump a stuck one.
    ``known``: whether the node knows each newest tx hash, read for a whole sweep at once for
    those broadcast more than CHAIN_REBROADCAST_AFTER_SECONDS ago (the others wait)."""
    for tx in group:
        if tx.status == Status.MINED:
            ChainTransaction.objects.filter(pk=tx.pk, status=Status.MINED).move(
                Status.BROADCAST, block_number=None, mined_at=None, updated_at=timezone.now())
            tx.status = Status.BROADCAST
    newest = max(group, key=lambda t: t.pk)
    if newest.status == Status.PREPARED and refused_for_fees(newest):
        return "bumped" if fee_bump(stuck=newest, backend=backend) else None
    if newest.status != Status.BROADCAST:
        return None  # a PREPARED newest is the relay's to (re)broadcast
    if known is not None and newest.tx_hash not in known:
        return None   # sent too recently to tell a dropped transaction from one on its way
    if not (known[newest.tx_hash] if known is not None else backend.is_known(newest.tx_hash)):
        broadcast(Prepared(tx_id=newest.pk, tx_hash=newest.tx_hash, raw=bytes(newest.raw_tx)), backend=backend)
        ChainTransaction.objects.filter(pk=newest.pk).update(broadcast_at=timezone.now())
        return "rebroadcast"
    stuck_since = newest.broadcast_at or newest.created_at
    if timezone.now() - stuck_since >= timedelta(seconds=settings.CHAIN_STUCK_AFTER_SECONDS):
        return "bumped" if fee_bump(stuck=newest, backend=backend) else None
    return None


#: What nodes answer when a transaction's fees are below what they accept now (geth, anvil,
#: erigon, nethermind wordings), lower-cased.
FEE_REFUSALS = ("base fee", "basefee", "fee cap", "feecap", "underpriced", "gas price too low",
                "fee too low", "max fee per gas less than")


def refused_for_fees(tx: ChainTransaction) -> bool:
    """The node refused these stored bytes because their fees are too low now (the base fee
    rose while they waited unsent): they will never be accepted, so the same call is signed
    again under the same nonce with today's fees (fee_bump), as for one stuck in the pool."""
    message = (tx.error_message or "").lower()
    return tx.broadcast_attempts > 0 and any(marker in message for marker in FEE_REFUSALS)


def _bumped(old: int, percent: float) -> int:
    return math.ceil(old * (100 + percent) / 100)


def fee_bump(*, stuck: ChainTransaction, backend: ChainBackend) -> Prepared | None:
    """Sign the same call under the same nonce with higher fees, store it, broadcast it
    (chain/sending.py): for a BROADCAST transaction stuck in the pool, or a PREPARED one the
    node refused for its fees. Returns None when the group moved on meanwhile (mined, or
    bumped by another worker)."""
    percent = max(settings.CHAIN_FEE_BUMP_PERCENT, 12.5)
    try:
        if stuck.function == "batchMint":
            call = batch_call_for(stuck)
        else:
            entry = OutboxEntry.objects.get(pk=stuck.entry_id)
            call = call_for(entry, stuck.step, chain_id=stuck.chain_id, signer=stuck.signer)
    except (TargetNotDeployed, BadPayload):
        log.exception("cannot rebuild the call of %s for a fee bump", stuck.tx_hash)
        return None
    suggested_max, suggested_priority = backend.suggest_fees()
    priority = max(_bumped(stuck.max_priority_fee_per_gas, percent), suggested_priority)
    max_fee = max(_bumped(stuck.max_fee_per_gas, percent), suggested_max, priority)
    bump = prepare_replacement(stuck=stuck, call=call, max_fee=max_fee, priority=priority, backend=backend)
    if bump is None:
        return None
    try:
        broadcast(bump, backend=backend)
    except ChainUnavailable as exc:
        if exc.code != "refused":
            raise
        log.warning("the node refused the fee bump %s: %s", bump.tx_hash, exc.message)   # a later sweep bumps again
    return bump
