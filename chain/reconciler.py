"""The reconciler: compares the chain with the register and records every difference as a
:class:`Break`. It never writes to the register.

One run (:func:`reconcile_run`; beat: ``mode="incremental"`` every ``CHAIN_RECONCILE_SECONDS``,
``mode="full"`` every ``CHAIN_RECONCILE_FULL_SECONDS``; on demand from the operator page / API: full):

1. the head block is read once: **every chain read of the run is pinned to that block** (recorded
   as ``Reconciliation.block``), so the comparison is against one consistent chain state; the
   indexer runs first up to that block (chain/indexer.py), so transfers made directly on chain
   are in the register before anything is compared;
2. for every security with a deployed token on this chain, unless one of its token actions
   is still in flight (outbox PENDING or SUBMITTED: the chain is allowed to lag; the run
   counts it as skipped), it reads - outside any transaction - the balance and frozen amount
   of the wallets to check (below) and ``totalSupply``, and compares them with the positions
   and the control book's outstanding amount; ``ledger.invariants.check_invariants`` adds any
   broken register invariant. Supply and invariants are checked in both modes;
3. the registry: investor wallets the register put on chain (``on_registry``) must be bound to
   their investor's id, active unless the wallet was removed (skipped while a ``registry.*``
   action is in flight), read with ``recordsOfMany`` in bulk at the same block;
4. one short transaction per security writes the differences: a difference already open
   (same security, wallet, kind and both values) is only marked seen again; a new one is a
   new OPEN break with an audit event;
5. every corporate action the paying agent blocked at its record close (servicing: status
   blocked with a ``blocked_reason``, the chain at the record block disagreeing with the
   register's snapshot) is one OPEN ``record_mismatch`` break (:func:`record_mismatches`).
   Finally the :class:`Reconciliation` row (mode, block, wallets checked).

**Which wallets.** A full run checks every wallet the register has a position for
(``ledger.selectors.register_positions``) or the indexer saw (``SeenWallet``), and every
``on_registry`` wallet. An incremental run starts from the last *clean* run (no error, no token
skipped in flight: a skipped token's changes were not compared then) and checks per token only:
wallets with an event on the token after that run's block (``SeenWallet.last_block``, which the
indexer moves for every event touching a wallet: transfers, mints, burns, freezes, recoveries);
wallets whose register position changed since shortly before that run started
(``Position.updated_at``, :data:`REGISTER_MARGIN` earlier, for a transaction that committed after
the run read the register), which catches a register that changed with no chain event; and wallets
with an open balance or frozen break (seen again or not). The registry part checks wallets added
or removed in the register since then; a registry changed on chain by hand is the full run's
catch. The first run (no clean run before) is full, whatever was asked, and so is a run whose
head is below the last clean run's block (a node reset or a deep reorg).

**Bulk reads.** The balances and frozen amounts come from ``Web3Backend.holdings_at``: one
``eth_call`` answers 4,000 wallets through ``BalanceReader.balancesOf`` (platform/src), whose code
rides in the call's state override (nothing deployed). Measured on anvil (``make bench-reconcile``,
docs/chain.md): see the figures there; JSON-RPC batches of two ``eth_call`` per wallet were an
order of magnitude slower, one call per value (the old loop) two orders.

A payment batch in flight (``payment.batch`` on the cash token, ``redemption.burn`` on the
security) counts as an action on its token, like a settlement: the paying account's cash held
for it (Position.held) is still its balance on chain until the batch confirms, and the
confirmation moves both in one transaction (chain/outcomes.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.models import OutboxEntry
from notifications import hooks

from . import events
from .backend import get_backend
from .calls import actions_touching
from .indexer import index_sweep, security_id_of, token_contracts
from .models import Break, DeployedContract, Reconciliation, SeenWallet
from .port import ChainError

log = logging.getLogger(__name__)
IN_FLIGHT = (OutboxEntry.Status.PENDING, OutboxEntry.Status.SUBMITTED)
REGISTRY = "InvestorRegistry"
#: How far before the last run's start an incremental run looks for changed register rows.
REGISTER_MARGIN = dt.timedelta(minutes=5)
_ID_MASK = (1 << 64) - 1
_REVOKED = 0x80


@dataclass(frozen=True)
class Since:
    """Where an incremental run starts: the last clean run's block and start time."""

    block: int
    at: dt.datetime


@dataclass(frozen=True)
class Difference:
    kind: str
    wallet: str
    register_value: str
    chain_value: str
    detail: str = ""


def token_actions_in_flight(security_id: int) -> bool:
    """Whether an action on this token is on its way (a settlement counts for both its
    tokens: the security and the cash)."""
    return OutboxEntry.objects.filter(actions_touching([security_id]), status__in=IN_FLIGHT).exists()


def registry_actions_in_flight() -> bool:
    return OutboxEntry.objects.filter(status__in=IN_FLIGHT, kind__startswith="registry.").exists()


def _outstanding(security, positions: dict[str, tuple[int, int]] | None) -> int:
    from ledger.models import ControlBook, Position

    book = ControlBook.objects.filter(security=security).values_list("outstanding", flat=True).first()
    if book is not None:
        return int(book)
    if positions is not None:
        return sum(b for b, _f in positions.values())
    return sum(int(b) for b in Position.objects.filter(security=security).values_list("balance", flat=True))


def _positions(security) -> dict[str, tuple[int, int]]:
    """Every position of the security: wallet -> (balance, frozen), as register_positions gives
    it; the amounts travel as text (numeric(78) through Decimal cost ~5 µs a value, a second at
    100,000 holders)."""
    from django.db.models import CharField
    from django.db.models.functions import Cast

    from ledger.models import Position

    rows = (Position.objects.filter(security=security)
            .values_list("wallet", Cast("balance", CharField()), Cast("frozen", CharField())))
    return {wallet: (int(balance), int(frozen)) for wallet, balance, frozen in rows}


def wallets_to_check(*, security, contract: DeployedContract, since: Since | None) -> tuple[list[str], dict]:
    """(wallets, their register positions wallet -> (balance, frozen)) for one token: every known
    wallet (``since`` None) or only the touched ones (module doc)."""
    from ledger.models import Position

    seen = SeenWallet.objects.filter(contract=contract.name, chain_id=contract.chain_id)
    if since is None:
        positions = _positions(security)
        return sorted(set(positions) | set(seen.values_list("wallet", flat=True))), positions
    touched = set(seen.filter(last_block__gt=since.block).values_list("wallet", flat=True))
    touched |= set(Position.objects.filter(security=security, updated_at__gte=since.at - REGISTER_MARGIN)
                   .values_list("wallet", flat=True))
    touched |= set(Break.objects.filter(security=security, status=Break.Status.OPEN,
                                        kind__in=(Break.Kind.BALANCE, Break.Kind.FROZEN))
                   .values_list("wallet", flat=True))
    rows = Position.objects.filter(security=security, wallet__in=touched).values_list("wallet", "balance", "frozen")
    return sorted(touched), {w: (int(b), int(f)) for w, b, f in rows}


def token_differences(*, security, contract: DeployedContract, backend, block: int | None = None,
                      since: Since | None = None) -> tuple[list[Difference], int]:
    """What the chain at ``block`` (the head when None) says that the register does not, for one
    token, and how many wallets were compared (network reads here)."""
    from ledger.invariants import check_invariants

    block = backend.block_number() if block is None else block
    wallets, positions = wallets_to_check(security=security, contract=contract, since=since)
    found: list[Difference] = []
    balances, frozens = backend.holdings_at(contract.address, wallets, block) if wallets else ([], [])
    for wallet, chain_balance, chain_frozen in zip(wallets, balances, frozens, strict=True):
        balance, frozen = positions.get(wallet, (0, 0))
        if chain_balance != balance:
            found.append(Difference(Break.Kind.BALANCE, wallet, str(balance), str(chain_balance)))
        if chain_frozen != frozen:
            found.append(Difference(Break.Kind.FROZEN, wallet, str(frozen), str(chain_frozen)))
    supply = backend.supply_at(contract.address, block)
    outstanding = _outstanding(security, positions if since is None else None)
    if supply != outstanding:
        found.append(Difference(Break.Kind.TOTAL_SUPPLY, "", str(outstanding), str(supply)))
    problems = check_invariants(security=security)
    if security.kind == "cash":   # the trust account must cover the cash token exactly
        from cash.invariants import trust_problems

        problems += trust_problems(security=security)
    for problem in problems:
        found.append(Difference(Break.Kind.INVARIANT, "", problem[:200], "", detail=problem))
    return found, len(wallets)


def registry_differences(*, backend, block: int | None = None, since: Since | None = None) -> list[Difference]:
    """Investor wallets the register put on chain vs the registry's records at ``block`` (all of
    them, or with ``since`` those added or removed in the register since then)."""
    from django.db.models import Q

    from investors.models import Wallet

    registry = DeployedContract.objects.filter(name=REGISTRY, chain_id=backend.chain_id()).first()
    if registry is None:
        return []
    block = backend.block_number() if block is None else block
    rows = Wallet.objects.filter(on_registry=True)
    if since is not None:
        after = since.at - REGISTER_MARGIN
        rows = rows.filter(Q(verified_at__gte=after) | Q(removed_at__gte=after))
    rows = list(rows.order_by("id").values_list("address", "status", "profile__user_id"))
    records = backend.registry_records_at(registry.address, [r[0] for r in rows], block) if rows else []
    found: list[Difference] = []
    for (address, status, user_id), record in zip(rows, records, strict=True):
        investor_id = record & _ID_MASK
        active = investor_id != 0 and not (record >> 120) & _REVOKED
        expected_active = status == Wallet.Status.ACTIVE
        register_value = f"investor {user_id}, {'active' if expected_active else 'revoked'}"
        chain_value = f"investor {investor_id}, {'active' if active else 'revoked'}"
        if investor_id != user_id or active != expected_active:
            found.append(Difference(Break.Kind.REGISTRY, address, register_value, chain_value))
    return found


def record_differences(*, security, differences: list[Difference], now) -> tuple[int, int]:
    """Open a break per new difference; mark known ones seen. Returns (found, new)."""
    new = 0
    with transaction.atomic(durable=True):
        for diff in differences:
            key = {"security": security, "wallet": diff.wallet, "kind": diff.kind,
                   "register_value": diff.register_value, "chain_value": diff.chain_value}
            if Break.objects.filter(status=Break.Status.OPEN, **key).update(last_seen_at=now):
                continue
            brk = Break.objects.create(detail=diff.detail, last_seen_at=now, **key)
            audit_record(action="chain.break_opened", obj=brk,
                         new={"security_id": security.pk if security else None, "wallet": diff.wallet,
                              "kind": diff.kind, "register": diff.register_value, "chain": diff.chain_value})
            hooks.break_found(brk, security=security.name if security else "", wallet=diff.wallet or "-")
            events.break_found(brk)
            new += 1
    return len(differences), new


def record_mismatches(*, now=None) -> tuple[int, int]:
    """One open ``record_mismatch`` break per corporate action blocked at its record close
    (seen again while it stays blocked). Returns (found, new)."""
    from servicing.models import CorporateAction

    now = now or timezone.now()
    found = new = 0
    blocked = (CorporateAction.objects.filter(status=CorporateAction.Status.BLOCKED).exclude(blocked_reason="")
               .select_related("security").order_by("id"))
    for action in blocked:
        diff = Difference(Break.Kind.RECORD_MISMATCH, "",
                          f"corporate action {action.pk}: {action.kind} paying {action.payment_date}",
                          f"blocked at record block {action.record_block}"
                          if action.record_block is not None else "blocked at the record",
                          detail=action.blocked_reason)
        f, n = record_differences(security=action.security, differences=[diff], now=now)
        found, new = found + f, new + n
    return found, new


def last_clean_run() -> Reconciliation | None:
    """The latest run that read the chain without an error and skipped no token in flight: an
    incremental run compares what changed after it."""
    return (Reconciliation.objects.filter(block__isnull=False, error="", skipped_in_flight=0)
            .order_by("-block", "-id").first())


def reconcile_run(*, backend=None, actor=None, index_first: bool = True,
                  mode: str = Reconciliation.Mode.FULL) -> Reconciliation:
    """One run (module doc). ``mode`` "incremental" checks only what changed since the last clean
    run; without one it is a full run."""
    from issuance.models import Security

    if mode not in Reconciliation.Mode.values:
        raise ValueError(f"unknown reconciliation mode {mode!r}")
    started = timezone.now()
    checked = found = new = skipped = wallets = 0
    block: int | None = None
    error = ""
    since = None
    if mode == Reconciliation.Mode.INCREMENTAL:
        last = last_clean_run()
        if last is None:
            mode = Reconciliation.Mode.FULL
        else:
            since = Since(block=last.block, at=last.started_at)
    try:
        backend = backend or get_backend()
        head = backend.block_number()
        if since is not None and head < since.block:   # a chain that went back (a reset node): all of it
            mode, since = Reconciliation.Mode.FULL, None
        if index_first:
            index_sweep(backend=backend, head=head)
        block = head
        for contract in token_contracts(backend.chain_id()):
            security = Security.objects.filter(pk=security_id_of(contract)).first()
            if security is None:
                continue
            if token_actions_in_flight(security.pk):
                skipped += 1
                continue
            differences, compared = token_differences(security=security, contract=contract, backend=backend,
                                                      block=block, since=since)
            if token_actions_in_flight(security.pk):   # something started meanwhile: next run
                skipped += 1
                continue
            checked += 1
            wallets += compared
            f, n = record_differences(security=security, differences=differences, now=timezone.now())
            found, new = found + f, new + n
        if not registry_actions_in_flight():
            f, n = record_differences(security=None, now=timezone.now(),
                                      differences=registry_differences(backend=backend, block=block, since=since))
            found, new = found + f, new + n
    except ChainError as exc:
        error = exc.message
        log.warning("reconciliation stopped: %s", exc.message)
    f, n = record_mismatches()   # the register's own record: no chain read
    found, new = found + f, new + n
    with transaction.atomic(durable=True):
        run = Reconciliation.objects.create(started_at=started, finished_at=timezone.now(), securities_checked=checked,
                                            breaks_found=found, breaks_new=new, skipped_in_flight=skipped,
                                            error=error, actor=actor, mode=mode, block=block,
                                            wallets_checked=wallets)
        audit_record(action="chain.reconciled", actor=actor, obj=run,
                     new={"securities_checked": checked, "breaks_found": found, "breaks_new": new,
                          "skipped_in_flight": skipped, "error": error, "mode": mode, "block": block,
                          "wallets_checked": wallets})
    return run
