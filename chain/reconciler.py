"""The reconciler: compares the chain with the register and records every difference as a
:class:`Break`. It never writes to the register.

One run (:func:`reconcile_run`; beat task ``chain.reconcile`` every
``CHAIN_RECONCILE_SECONDS``, or on demand from the operator page / API):

1. the indexer runs first (chain/indexer.py), so transfers made directly on chain are in the
   register before anything is compared;
2. for every security with a deployed token on this chain, unless one of its token actions
   is still in flight (outbox PENDING or SUBMITTED: the chain is allowed to lag; the run
   counts it as skipped), it reads - outside any transaction - ``balanceOf`` and
   ``frozenBalanceOf`` of every wallet the register knows (``ledger.selectors.register_positions``)
   or the indexer saw (``SeenWallet``), and ``totalSupply``; and it compares them with the
   positions and the control book's outstanding amount; ``ledger.invariants.check_invariants``
   adds any broken register invariant;
3. the registry: every investor wallet the register put on chain (``on_registry``) must be
   bound to its investor's id, active unless the wallet was removed (skipped while a
   ``registry.*`` action is in flight);
4. one short transaction per security writes the differences: a difference already open
   (same security, wallet, kind and both values) is only marked seen again; a new one is a
   new OPEN break with an audit event;
5. every corporate action the paying agent blocked at its record close (servicing: status
   blocked with a ``blocked_reason``, the chain at the record block disagreeing with the
   register's snapshot) is one OPEN ``record_mismatch`` break (:func:`record_mismatches`).
   Finally the :class:`Reconciliation` row.

A payment batch in flight (``payment.batch`` on the cash token, ``redemption.burn`` on the
security) counts as an action on its token, like a settlement: the paying account's cash held
for it (Position.held) is still its balance on chain until the batch confirms, and the
confirmation moves both in one transaction (chain/outcomes.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.models import OutboxEntry
from notifications import hooks

from .backend import get_backend
from .calls import actions_touching
from .indexer import index_sweep, security_id_of, token_contracts
from .models import Break, DeployedContract, Reconciliation, SeenWallet
from .port import ChainError

log = logging.getLogger(__name__)
IN_FLIGHT = (OutboxEntry.Status.PENDING, OutboxEntry.Status.SUBMITTED)
REGISTRY = "InvestorRegistry"


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


def _register_view(security) -> tuple[dict[str, tuple[int, int]], int]:
    """Positions (checksum wallet -> (balance, frozen)) and the outstanding amount."""
    from ledger.models import ControlBook
    from ledger.selectors import register_positions

    positions = {w: (int(b), int(f)) for w, (b, f) in register_positions(security=security).items()}
    book = ControlBook.objects.filter(security=security).values_list("outstanding", flat=True).first()
    outstanding = int(book) if book is not None else sum(b for b, _f in positions.values())
    return positions, outstanding


def token_differences(*, security, contract: DeployedContract, backend) -> list[Difference]:
    """What the chain says that the register does not, for one token (network reads here)."""
    from ledger.invariants import check_invariants

    positions, outstanding = _register_view(security)
    seen = (SeenWallet.objects.filter(contract=contract.name, chain_id=contract.chain_id)
            .values_list("wallet", flat=True))
    wallets = sorted(set(positions) | set(seen))
    found: list[Difference] = []
    # The chain as of one block, each kind of read in one round trip (a coupon's thousands of
    # holders were two calls each).
    head = backend.block_number()
    balances = backend.balances_at(contract.address, wallets, head) if wallets else []
    frozens = backend.balances_at(contract.address, wallets, head, frozen=True) if wallets else []
    for wallet, chain_balance, chain_frozen in zip(wallets, balances, frozens, strict=True):
        balance, frozen = positions.get(wallet, (0, 0))
        if chain_balance != balance:
            found.append(Difference(Break.Kind.BALANCE, wallet, str(balance), str(chain_balance)))
        if chain_frozen != frozen:
            found.append(Difference(Break.Kind.FROZEN, wallet, str(frozen), str(chain_frozen)))
    supply = backend.supply_at(contract.address, head)
    if supply != outstanding:
        found.append(Difference(Break.Kind.TOTAL_SUPPLY, "", str(outstanding), str(supply)))
    problems = check_invariants(security=security)
    if security.kind == "cash":   # the trust account must cover the cash token exactly
        from cash.invariants import trust_problems

        problems += trust_problems(security=security)
    for problem in problems:
        found.append(Difference(Break.Kind.INVARIANT, "", problem[:200], "", detail=problem))
    return found


def registry_differences(*, backend) -> list[Difference]:
    """Investor wallets the register put on chain vs the registry's records."""
    from investors.models import Wallet

    registry = DeployedContract.objects.filter(name=REGISTRY, chain_id=backend.chain_id()).first()
    if registry is None:
        return []
    found: list[Difference] = []
    for wallet in Wallet.objects.filter(on_registry=True).select_related("profile").order_by("id"):
        investor_id, _country, _expiry, _flags, active = backend.read(REGISTRY, registry.address, "investorOf",
                                                                      wallet.address)
        expected_active = wallet.status == Wallet.Status.ACTIVE
        register_value = f"investor {wallet.profile.user_id}, {'active' if expected_active else 'revoked'}"
        chain_value = f"investor {investor_id}, {'active' if active else 'revoked'}"
        if int(investor_id) != wallet.profile.user_id or bool(active) != expected_active:
            found.append(Difference(Break.Kind.REGISTRY, wallet.address, register_value, chain_value))
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


def reconcile_run(*, backend=None, actor=None, index_first: bool = True) -> Reconciliation:
    from issuance.models import Security

    started = timezone.now()
    checked = found = new = skipped = 0
    error = ""
    try:
        backend = backend or get_backend()
        if index_first:
            index_sweep(backend=backend)
        for contract in token_contracts(backend.chain_id()):
            security = Security.objects.filter(pk=security_id_of(contract)).first()
            if security is None:
                continue
            if token_actions_in_flight(security.pk):
                skipped += 1
                continue
            differences = token_differences(security=security, contract=contract, backend=backend)
            if token_actions_in_flight(security.pk):   # something started meanwhile: next run
                skipped += 1
                continue
            checked += 1
            f, n = record_differences(security=security, differences=differences, now=timezone.now())
            found, new = found + f, new + n
        if not registry_actions_in_flight():
            f, n = record_differences(security=None, differences=registry_differences(backend=backend),
                                      now=timezone.now())
            found, new = found + f, new + n
    except ChainError as exc:
        error = exc.message
        log.warning("reconciliation stopped: %s", exc.message)
    f, n = record_mismatches()   # the register's own record: no chain read
    found, new = found + f, new + n
    with transaction.atomic(durable=True):
        run = Reconciliation.objects.create(started_at=started, finished_at=timezone.now(), securities_checked=checked,
                                            breaks_found=found, breaks_new=new, skipped_in_flight=skipped,
                                            error=error, actor=actor)
        audit_record(action="chain.reconciled", actor=actor, obj=run,
                     new={"securities_checked": checked, "breaks_found": found, "breaks_new": new,
                          "skipped_in_flight": skipped, "error": error})
    return run

