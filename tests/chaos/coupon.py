"""A coupon paid to many holders while workers die (issue 14), and the bulk holder setup the
chaos test and `make bench-distribution` share.

Setup, not the thing tested or measured, so it takes the fastest honest path:

* :func:`holders_add`: ``count`` KYC-approved investors (users, profiles, wallets) written with
  ``bulk_create``, their wallets registered on chain with the registry's ``registerWallets``
  (up to :data:`REGISTER_CHUNK` per transaction, sent by the platform's agent key as
  ``registry_deploy`` sends the registry's deployment), not one ``register.wallet`` outbox
  row (one transaction) each; the wallets are marked ``on_registry`` as the outbox path would.
* :func:`holders_issue`: their units through the register (``ledger.services.tokens_issue_many``
  in chunks: rule-checked TokenActions, positions, outbox rows that the workers send as
  ``batchMint`` transactions), written :func:`backdated`: as if the holders had bought the bond
  ``days`` ago, so that the first coupon's record date lies between their purchase and today.
  (The business date is an offset on the wall clock: moving it forward moves every past
  action with it, so holdings "before the record date" must be older in real time.)

:func:`coupon_setup` builds the coupon: a bond of the world's issuer whose first coupon's
record and payment dates are already past, the holders, the issuer's treasury (the paying
account) funded in JPY through the cash desk, the schedule's actions (``actions_from_schedule``).
:func:`coupon_start` approves the coupon (a compliance officer, not its creator); from then on
the ``servicing.sweep`` task (sent through the broker like beat would) records and pays it.
:func:`coupon_verify` then counts ``payment_lines``, ``paid_twice`` (a holder received more
than its lines' net: on chain, the cash token balance against the lines; in the register, more
than one PAYMENT TokenAction per line, or a cash position above the net) and ``unpaid`` (a line
not paid at the end, or paid in the register and not on chain).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from unittest import mock

#: Wallets per registerWallets transaction (~70k gas each: well under anvil's block gas limit).
REGISTER_CHUNK = 200
#: Issuances per register transaction (tokens_issue_many), like bulk settlement.
ISSUE_CHUNK = 200
#: How long ago (real days) the holders bought: before the first coupon's record date.
BOUGHT_DAYS_AGO = 30


@contextlib.contextmanager
def backdated(days: int) -> Iterator[None]:
    """Everything this process writes (``auto_now_add`` times, the business date read through
    ``timezone.localdate``) happens ``days`` earlier. Other processes keep the real time."""
    from django.utils import timezone

    from core import clock

    real_now = timezone.now
    clock.forget()
    with mock.patch("django.utils.timezone.now", lambda: real_now() - dt.timedelta(days=days)):
        yield
    clock.forget()


def _address(tag: str, i: int) -> str:
    from eth_utils import keccak, to_checksum_address

    return to_checksum_address(keccak(text=f"shoken-holder-{tag}-{i}")[-20:])


def send_from(node, *, sender: str, to: str, data: bytes, timeout: float = 60) -> dict:
    """A transaction from one of the node's unlocked accounts, waited for (status 1)."""
    tx_hash = node.rpc("eth_sendTransaction", [{"from": sender, "to": to, "data": "0x" + data.hex()}])
    deadline = time.monotonic() + timeout
    while (receipt := node.rpc("eth_getTransactionReceipt", [tx_hash])) is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{tx_hash} not mined within {timeout:.0f}s")
        time.sleep(0.01)
    if int(receipt["status"], 16) != 1:
        raise RuntimeError(f"{tx_hash} reverted")
    return receipt


def holders_add(*, backend, node, count: int, tag: str, country: str = "JP", kind: str = "individual",
                chunk: int = REGISTER_CHUNK) -> list:
    """``count`` approved investors with one active wallet each (module docstring). The
    registrations are sent from the platform's agent account, unlocked on the node (anvil's
    first dev account): ABI-encoded here, no signing in Python. The relay's nonce counter
    catches up with the node by itself (chain/nonces.py). Returns the investors.Wallet rows
    (with ``profile`` and ``profile.user`` loaded)."""
    from django.db import transaction
    from django.utils import timezone
    from eth_abi import encode
    from eth_utils import keccak

    from accounts.models import Role, User
    from chain.models import DeployedContract
    from core.clock import business_today
    from investors.models import InvestorProfile, Wallet
    from investors.registry import attributes

    expires = business_today() + dt.timedelta(days=365)
    with transaction.atomic():
        users = User.objects.bulk_create([
            User(email=f"holder-{tag}-{i}@example.test", full_name=f"Holder {tag} {i}", role=Role.INVESTOR,
                 password="!") for i in range(count)])
        profiles = InvestorProfile.objects.bulk_create([
            InvestorProfile(user=user, kind=kind, legal_name=user.full_name, nationality=country,
                            residence_country=country, tax_residency=country,
                            investor_status=InvestorProfile.InvestorStatus.RETAIL,
                            kyc_status=InvestorProfile.KycStatus.APPROVED, kyc_expires_on=expires)
            for user in users])
        now = timezone.now()
        wallets = Wallet.objects.bulk_create([
            Wallet(profile=profile, address=_address(tag, i), on_registry=True, verified_at=now)
            for i, profile in enumerate(profiles)])
    for wallet, profile, user in zip(wallets, profiles, users, strict=True):
        profile.user = user
        wallet.profile = profile
    registry = DeployedContract.objects.get(name="InvestorRegistry", chain_id=backend.chain_id()).address
    selector = keccak(text="registerWallets(bytes32,(address,uint64,uint16,uint40,uint8)[])")[:4]
    for start in range(0, count, chunk):
        regs = []
        for wallet in wallets[start:start + chunk]:
            a = attributes(wallet.profile)
            regs.append((wallet.address, a.investor_id, a.country, a.kyc_expiry,
                         (1 if a.accredited else 0) | (2 if a.qualified else 0)))
        data = selector + encode(["bytes32", "(address,uint64,uint16,uint40,uint8)[]"],
                                 [keccak(text=f"holders:{tag}:{start}"), regs])
        send_from(node, sender=backend.address, to=registry, data=data)
    return wallets


def holders_issue(*, security, wallets: list, amounts: list[int], actor, tag: str,
                  chunk: int = ISSUE_CHUNK) -> list[int]:
    """Units of ``security`` to each wallet through the register, ``chunk`` per transaction.
    Returns the outbox entry ids."""
    from ledger.services import IssueItem, tokens_issue_many

    ids: list[int] = []
    for start in range(0, len(wallets), chunk):
        items = [IssueItem(wallet=w, amount=a, idempotency_key=f"{tag}:issue:{start + i}")
                 for i, (w, a) in enumerate(zip(wallets[start:start + chunk], amounts[start:start + chunk],
                                                strict=True))]
        actions = tokens_issue_many(security=security, items=items, actor=actor, reason=f"{tag} holders")
        ids += [action.outbox_id for action in actions]
    return ids


def treasury_fund(*, issuer, amount: Decimal, admin, agents: tuple, currency: str = "JPY") -> None:
    """The issuer admin asks to deposit into the treasury; a cash agent records the bank
    receipt, a second approves it when it is above the limit (the register mints the cash)."""
    from cash.models import CashDeposit
    from cash.services.deposits import deposit_approve, deposit_receipt_record, treasury_deposit_request
    from core.clock import business_today

    deposit = treasury_deposit_request(issuer=issuer, currency=currency, amount=amount, actor=admin)
    deposit = deposit_receipt_record(deposit=deposit, amount=amount, bank_reference=f"TREASURY-{deposit.pk}",
                                     value_date=business_today(), actor=agents[0])
    if deposit.status == CashDeposit.Status.RECEIVED:
        deposit_approve(deposit=deposit, actor=agents[1])


def past_coupon_terms(*, today: dt.date) -> dict:
    """Bond terms whose first coupon was paid about a week ago (its record date the day before):
    issued some 190 days ago on a day of month <= 28, two years, 2% semi-annual 30/360 (1,000
    JPY a unit), regular periods, no business-day calendar (the dates are exactly the terms')."""
    from issuance.models import Security

    issued = today - dt.timedelta(days=190)
    while issued.day > 28:
        issued -= dt.timedelta(days=1)
    return {"issue_date": issued, "maturity_date": issued.replace(year=issued.year + 2),
            "face_value": Decimal("100000"), "coupon_rate": Decimal("2"),
            "coupon_frequency": Security.CouponFrequency.SEMIANNUAL, "day_count": Security.DayCount.THIRTY_360,
            "redemption_price": Decimal("100"), "calendar": Security.Calendar.NONE, "currency": "JPY",
            "decimals": 0}


@dataclass
class CouponWorld:
    bond: object
    action: object            # servicing.CorporateAction (coupon #1)
    cash: object              # the JPY cash token's Security
    treasury_wallet: str
    wallets: list             # investors.Wallet of the holders
    units: dict[str, int]     # wallet -> units held at record
    approver: object
    setup_seconds: dict[str, float] = field(default_factory=dict)


def coupon_setup(*, world, backend, node, holders: int, cash, tag: str = "coupon", settle_timeout: float = 180,
                 units_per_holder: tuple[int, int] = (1, 5), seed: int = 0, log=None) -> CouponWorld:
    """The coupon bond, its ``holders`` holders (bought BOUGHT_DAYS_AGO), the funded treasury,
    the schedule's actions; waits until the workers confirmed all of it."""
    import random

    from django.utils import timezone

    from accounts.models import Role
    from accounts.tests.factories import UserFactory
    from chain.indexer import index_sweep
    from core.clock import business_today
    from investors.models import Wallet
    from issuance.models import Security
    from issuance.treasury import treasury_open
    from servicing.models import CorporateAction
    from servicing.services.actions import actions_from_schedule

    from .harness import security_add, wait_settled

    timings: dict[str, float] = {}
    started = time.monotonic()
    officer = UserFactory(role=Role.COMPLIANCE)
    agents = (UserFactory(role=Role.CASH_AGENT), UserFactory(role=Role.CASH_AGENT))
    issuer = world.security.issuer
    treasury = treasury_open(issuer=issuer, actor=officer)
    treasury_wallet = Wallet.objects.get(profile__user=treasury, status=Wallet.Status.ACTIVE).address
    terms = past_coupon_terms(today=business_today())
    with backdated(BOUGHT_DAYS_AGO):   # the token existed before the record date, like its holders
        bond = security_add(world=world, settle_timeout=settle_timeout, **terms)
        # As the issuer's deploy does (the paying agent pays on chain only a deployed token).
        Security.objects.filter(pk=bond.pk).update(deploy_requested_at=timezone.now())
    bond.refresh_from_db()
    timings["bond"] = time.monotonic() - started
    mark = time.monotonic()
    wallets = holders_add(backend=backend, node=node, count=holders, tag=tag)
    timings["register"] = time.monotonic() - mark
    if log:
        log(f"{holders} holders registered in {timings['register']:.1f}s")
    mark = time.monotonic()
    rng = random.Random(seed)
    amounts = [rng.randint(*units_per_holder) for _ in wallets]
    with backdated(BOUGHT_DAYS_AGO):
        holders_issue(security=bond, wallets=wallets, amounts=amounts, actor=world.actor, tag=tag)
    wait_settled(timeout=settle_timeout, what="coupon holders")
    timings["issue"] = time.monotonic() - mark
    mark = time.monotonic()
    actions_from_schedule(security=bond)
    action = CorporateAction.objects.get(security=bond, kind=CorporateAction.Kind.COUPON, sequence=1)
    assert action.payment_date <= business_today(), (action.payment_date, business_today())
    # Gross with some margin (the withholding only lowers what is paid).
    gross = action.per_unit_amount * sum(amounts)
    treasury_fund(issuer=issuer, amount=(gross * Decimal("1.1")).quantize(Decimal("1")), admin=world.actor,
                  agents=agents)
    wait_settled(timeout=settle_timeout, what="treasury funding")
    timings["treasury"] = time.monotonic() - mark
    mark = time.monotonic()
    # The indexer catches up with the setup (the holders' mints, the treasury's cash) here, not
    # in the fault window where the workers' index sweeps would spend their time on it.
    index_sweep(backend=backend)
    timings["index"] = time.monotonic() - mark
    return CouponWorld(bond=bond, action=action, cash=cash, treasury_wallet=treasury_wallet, wallets=wallets,
                       units={w.address: a for w, a in zip(wallets, amounts, strict=True)}, approver=officer,
                       setup_seconds=timings)


def coupon_start(cw: CouponWorld) -> None:
    """The second pair of eyes: from now on the sweep may pay the coupon."""
    from servicing.services.actions import action_approve

    cw.action = action_approve(action=cw.action, actor=cw.approver)


def wait_paid(cw: CouponWorld, *, timeout: float) -> float:
    """Bounded poll until the coupon is paid (the sweep pays what is due, batch by batch)."""
    from servicing.models import CorporateAction

    started = time.monotonic()
    while CorporateAction.objects.filter(pk=cw.action.pk).values_list("status", flat=True).get() \
            != CorporateAction.Status.PAID:
        if time.monotonic() - started > timeout:
            break
        time.sleep(0.2)
    return time.monotonic() - started


@dataclass
class CouponVerdict:
    payment_lines: int
    paid_twice: int
    unpaid: int
    breaks: int
    details: list[str]


def coupon_verify(*, cw: CouponWorld, backend) -> CouponVerdict:
    """Counts and checks every line of the coupon (module docstring)."""
    from chain.models import DeployedContract, token_contract_name
    from ledger.invariants import check_invariants
    from ledger.models import Position, TokenAction
    from servicing.models import CorporateAction, EntitlementLine, PaymentBatch

    details: list[str] = []
    action = CorporateAction.objects.get(pk=cw.action.pk)
    lines = list(EntitlementLine.objects.filter(action=action))
    scale = 10 ** cw.cash.decimals
    due: Counter = Counter()
    for line in lines:
        due[line.wallet] += int(line.net * scale)
    outboxes = PaymentBatch.objects.filter(action=action, kind=PaymentBatch.Kind.CASH).values("outbox_id")
    payments = Counter(TokenAction.objects.filter(security=cw.cash, kind=TokenAction.Kind.PAYMENT,
                                                  outbox_id__in=outboxes).values_list("to_wallet", flat=True))
    per_wallet_lines = Counter(line.wallet for line in lines)
    positions = dict(Position.objects.filter(security=cw.cash, wallet__in=list(due)).values_list("wallet", "balance"))
    token = DeployedContract.objects.get(name=token_contract_name(cw.cash.pk), chain_id=backend.chain_id()).address
    # Every line's wallet read at one block in one round trip (a balance_of call each was the
    # bulk of this check's time).
    wallets = sorted(due)
    chain_of = dict(zip(wallets, backend.balances_at(token, wallets, backend.block_number()) if wallets else [],
                        strict=True))
    paid_twice = unpaid = breaks = 0
    for line in lines:
        want = due[line.wallet]
        on_chain = chain_of[line.wallet]
        register = int(positions.get(line.wallet, 0))
        twice = on_chain > want or register > want or payments[line.wallet] > per_wallet_lines[line.wallet]
        missing = line.status != EntitlementLine.Status.PAID or on_chain < want or register < want
        if twice:
            paid_twice += 1
            details.append(f"paid twice: line {line.pk} {line.wallet} net {want}: chain {on_chain}, register "
                           f"{register}, {payments[line.wallet]} PAYMENT actions")
        elif missing:
            unpaid += 1
            if unpaid <= 10:
                details.append(f"unpaid: line {line.pk} {line.wallet} {line.status} net {want}: chain {on_chain}, "
                               f"register {register}")
    treasury = int(Position.objects.get(security=cw.cash, wallet=cw.treasury_wallet).balance)
    if backend.balance_of(token, cw.treasury_wallet) != treasury:
        breaks += 1
        details.append(f"treasury: chain {backend.balance_of(token, cw.treasury_wallet)}, register {treasury}")
    for security in (cw.cash, cw.bond):
        problems = check_invariants(security=security)
        breaks += len(problems)
        details.extend(f"invariant ({security.symbol}): {p}" for p in problems)
    if len(lines) != len(cw.units):
        breaks += 1
        details.append(f"{len(lines)} lines for {len(cw.units)} holders of record")
    batches = Counter(PaymentBatch.objects.filter(action=action).values_list("status", flat=True))
    details.insert(0, f"coupon: action {action.pk} {action.status}, {len(lines)} lines, batches {dict(batches)}, "
                      f"net total {action.net_total}, withheld {action.withheld_total}")
    return CouponVerdict(payment_lines=len(lines), paid_twice=paid_twice, unpaid=unpaid, breaks=breaks,
                         details=details)
