"""A bond's coupons and its redemption, paid in the cash token (issue 14, "Done when").

A JPY bond with two semi-annual coupons (30/360, 2%: 1,000 JPY a unit each, no business-day
calendar) was bought 200 days ago (the setup is written backdated: the business date is an
offset on the wall clock, so holdings before a past record date must be older in real time)
by a JP resident individual (3 units, 20.315% withheld on the interest) and a US resident
with a treaty rate (2 units, 10%). The issuer's treasury, the paying account, is funded
through the cash desk. A compliance officer (a second person: the schedule created the
actions) approves the coupons and the redemption on the staff desk; the sweep (what beat
runs) records the first coupon at its record block and pays it in batchPay transactions; each
investor's income page shows the net and the withheld tax. The business date then moves to
maturity: the sweep records the redemption, pays principal and the last coupon, burns the
units, and the bond's page shows it matured. Chain and register agree at each step.

A real Celery worker on this run's own queue relays and confirms, as in test_dvp_flow.py.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from accounts.tests.factories import UserFactory
from compliance.tests.factories import approve_profile
from core.clock import business_date_set, business_today
from core.models import OutboxEntry
from core.outbox import outbox_put
from investors.models import InvestorProfile, TaxProfile, Wallet
from investors.tests.factories import VERIFIED_INVESTOR_WALLET, InvestorProfileFactory, WalletFactory
from issuance.models import Security
from issuance.services.offerings import deploy_payload
from issuance.tests.factories import IssuerFactory, SecurityFactory
from tests.chaos.coupon import backdated, treasury_fund

from .test_dvp_flow import _context

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUEUE = f"coupon-e2e-{os.environ.get('TEST_DB_NAME', 'test_shoken')}-{os.getpid()}"
BOUGHT_DAYS_AGO = 200
FACE = Decimal("100000")
#: (units, gross, withheld, net) of each coupon, JPY: 1,000 a unit; withholding rounded down.
JP_COUPON = (3, 3000, 609, 2391)     # 3,000 x 20.315% = 609.45
US_COUPON = (2, 2000, 200, 1800)     # 2,000 x 10%


def _wait(what: str, timeout: float = 60.0) -> None:
    """Bounded polling: every outbox row confirmed (none failed), kicking the relay and the
    confirmer as beat would."""
    from chain.tasks import confirm_sweep_task, relay_sweep_task

    deadline = time.monotonic() + timeout
    next_kick = 0.0
    while left := list(OutboxEntry.objects.exclude(status=OutboxEntry.Status.CONFIRMED)
                       .values_list("kind", "status", "last_error")):
        assert time.monotonic() < deadline, f"{what}: not confirmed within {timeout}s: {left}"
        assert not any(status == OutboxEntry.Status.FAILED for _k, status, _e in left), f"{what}: failed: {left}"
        if time.monotonic() > next_kick:
            relay_sweep_task.apply_async(queue=QUEUE)
            confirm_sweep_task.apply_async(queue=QUEUE)
            next_kick = time.monotonic() + 0.5
        time.sleep(0.1)


def _sweep_until(what: str, done, timeout: float = 60.0) -> None:
    """Run the indexer and the servicing sweep (beat's jobs: the record block never passes what
    the indexer has read) and let the worker mirror what they write, until `done()`."""
    from chain.indexer import index_sweep
    from servicing.services.sweep import servicing_sweep

    deadline = time.monotonic() + timeout
    while True:
        index_sweep()
        servicing_sweep()
        _wait(what, timeout=max(deadline - time.monotonic(), 1.0))
        if done():
            return
        assert time.monotonic() < deadline, f"{what}: not done within {timeout}s: {_state()}"
        time.sleep(0.2)


def _state() -> list:
    """Every action's status, approval, dates, batches and lines (for a failure message)."""
    from servicing.models import CorporateAction

    return [(a.kind, a.sequence, a.status, a.approved_at is not None, a.record_date, a.payment_date,
             business_today(), a.blocked_reason, list(a.batches.values_list("kind", "status", "failure")),
             list(a.lines.values_list("status", "net")), a.funds_short_on, _refusal(a))
            for a in CorporateAction.objects.all()]


def _refusal(action) -> str:
    from core.errors import ApplicationError
    from ledger.models import Position
    from servicing.services.payments import paying_account, payment_refusal

    try:
        account = paying_account(action)
    except ApplicationError as error:
        return error.code
    position = Position.objects.filter(security=account.cash, wallet=account.wallet).first()
    return f"{payment_refusal(action)!r} treasury {position and (position.balance, position.held)}"


def _issue_day(today: dt.date) -> dt.date:
    """BOUGHT_DAYS_AGO days back, moved to a day of month <= 28 (regular 6-month periods)."""
    day = today - dt.timedelta(days=BOUGHT_DAYS_AGO)
    while day.day > 28:
        day -= dt.timedelta(days=1)
    return day


def _money(text: str) -> int:
    return int(Decimal(text.split()[0].replace(",", "").replace("¥", "")))


def _income_row(page, base, symbol: str, payment_date: dt.date) -> tuple[int, int, int]:
    """(gross, withheld, net) of the investor's past payment of `symbol` on `payment_date`."""
    page.goto(f"{base}/servicing/income/")
    row = page.get_by_test_id("paid-line").filter(has_text=symbol).filter(has_text=payment_date.isoformat())
    assert row.count() == 1, page.get_by_test_id("income-paid").inner_text()
    cells = row.locator("td")
    return _money(cells.nth(5).inner_text()), _money(cells.nth(6).inner_text()), _money(cells.nth(7).inner_text())


def test_coupon_paid_net_of_tax_then_redeemed_at_maturity(live_server, browser, settings, chain_snapshot,
                                                         issuer_admin, issuer_org, verified_investor,
                                                         compliance_officer, cash_agent, second_cash_agent,
                                                         operator):
    from chain.backend import get_backend
    from chain.models import DeployedContract, token_contract_name
    from chain.services import registry_deploy
    from config.celery import app
    from issuance.treasury import treasury_open
    from ledger.services import tokens_issue
    from servicing.models import CorporateAction, EntitlementLine

    settings.CHAIN_RPC_URL = chain_snapshot.rpc_url
    settings.CHAIN_SIGNER_KEY = chain_snapshot.keys[0]
    settings.CHAIN_CONFIRMATIONS = 0
    settings.CHAIN_REBROADCAST_AFTER_SECONDS = 0
    settings.CHAIN_WAIT_SECONDS = 0.2
    settings.OUTBOX_KICK_QUEUE = QUEUE
    settings.SERVICING_RETRY_SECONDS = 0

    backend = get_backend()
    registry_deploy(backend=backend)
    from cash.services.tokens import cash_token_create

    cash = cash_token_create(currency="JPY", actor=cash_agent).security
    issuer = IssuerFactory(organization=issuer_org)
    treasury = treasury_open(issuer=issuer, actor=compliance_officer)
    treasury_wallet = Wallet.objects.get(profile__user=treasury, status=Wallet.Status.ACTIVE).address
    us = UserFactory(email="john@example.test", role=Role.INVESTOR)
    us_profile = InvestorProfileFactory(user=us, legal_name="John Smith", residence_country="US",
                                        tax_residency="US", nationality="US",
                                        investor_status=InvestorProfile.InvestorStatus.QUALIFIED, status_basis="test")
    us_wallet = WalletFactory(profile=us_profile)
    approve_profile(us_profile)
    TaxProfile.objects.create(user=us, exemption=TaxProfile.Exemption.TREATY, treaty_rate=Decimal("10"),
                              basis="Japan-US treaty, Form 3 (test)", checked_by=compliance_officer)
    base = live_server.url

    with start_worker(app, queues=[QUEUE], pool="threads", concurrency=2, perform_ping_check=False,
                      shutdown_timeout=30):
        _wait("registry, cash token, wallets")
        issued = _issue_day(business_today())
        with backdated((business_today() - issued).days):
            bond = SecurityFactory(issuer=issuer, created_by=issuer_admin, name="Sakura Coupon Bond",
                                   symbol="SCB", face_value=FACE, coupon_rate=Decimal("2"),
                                   coupon_frequency=Security.CouponFrequency.SEMIANNUAL,
                                   day_count=Security.DayCount.THIRTY_360, issue_date=issued,
                                   maturity_date=issued.replace(year=issued.year + 1),
                                   redemption_price=Decimal("100"), calendar=Security.Calendar.NONE)
            with transaction.atomic():
                outbox_put(deploy_payload(bond), idempotency_key=f"bond:{bond.pk}:deploy")
                Security.objects.filter(pk=bond.pk).update(deploy_requested_at=timezone.now())
            _wait("the bond's token")
            tokens_issue(security=bond, wallet=Wallet.objects.get(address=VERIFIED_INVESTOR_WALLET),
                         amount=JP_COUPON[0], actor=issuer_admin, reason="bought at issue")
            tokens_issue(security=bond, wallet=us_wallet, amount=US_COUPON[0], actor=issuer_admin,
                         reason="bought at issue")
            _wait("the holdings")
        # Principal 500,000 + two coupons (10,000 gross) with room to spare.
        treasury_fund(issuer=issuer, amount=Decimal("600000"), admin=issuer_admin,
                      agents=(cash_agent, second_cash_agent))
        _wait("the treasury's cash")

        # The sweep writes the schedule's actions and records the first coupon (past its record date).
        def first_recorded() -> bool:
            return CorporateAction.objects.filter(security=bond, kind="coupon", sequence=1,
                                                  status=CorporateAction.Status.RECORDED).exists()

        _sweep_until("the first coupon's record", first_recorded)
        first = CorporateAction.objects.get(security=bond, kind="coupon", sequence=1)
        assert (first.per_unit_amount, first.line_count) == (Decimal("1000"), 2)
        assert first.payment_date < business_today()

        # 1. A compliance officer approves every action of the bond on the staff desk.
        staff_ctx, desk = _context(browser, base, compliance_officer)
        desk.goto(f"{base}/servicing/desk/")
        rows = desk.get_by_test_id("approve-row").filter(has_text="SCB")
        pending = rows.count()
        assert pending >= 2, desk.get_by_test_id("to-approve").inner_text()   # the coupons and the redemption
        for left in range(pending - 1, -1, -1):
            rows.first.get_by_role("button", name="Approve").click()
            expect(rows).to_have_count(left)
        desk.goto(f"{base}/servicing/desk/")
        assert desk.get_by_test_id("approve-row").filter(has_text="SCB").count() == 0
        staff_ctx.close()
        assert not CorporateAction.objects.filter(security=bond, approved_by__isnull=True).exists()

        # 2. The sweep pays the first coupon in the cash token; each investor sees net and tax.
        def first_paid() -> bool:
            return CorporateAction.objects.filter(pk=first.pk, status=CorporateAction.Status.PAID).exists()

        _sweep_until("the first coupon's payment", first_paid)
        token = {s.pk: DeployedContract.objects.get(name=token_contract_name(s.pk)).address for s in (bond, cash)}
        assert backend.balance_of(token[cash.pk], VERIFIED_INVESTOR_WALLET) == JP_COUPON[3]
        assert backend.balance_of(token[cash.pk], us_wallet.address) == US_COUPON[3]
        for user, want in ((verified_investor, JP_COUPON), (us, US_COUPON)):
            ctx, page = _context(browser, base, user)
            assert _income_row(page, base, "SCB", first.payment_date) == want[1:]
            ctx.close()

        # 3. Maturity: the redemption pays principal and the last coupon, then burns the units.
        redemption = CorporateAction.objects.get(security=bond, kind=CorporateAction.Kind.REDEMPTION)
        business_date_set(day=redemption.payment_date, actor=operator)

        def matured() -> bool:
            return Security.objects.filter(pk=bond.pk, matured_on__isnull=False).exists()

        _sweep_until("the redemption", matured, timeout=90)
        assert not CorporateAction.objects.filter(security=bond).exclude(
            status__in=[CorporateAction.Status.PAID, CorporateAction.Status.CANCELLED]).exists()
        assert backend.total_supply(token[bond.pk]) == 0
        for wallet, (units, _gross, _withheld, net) in ((VERIFIED_INVESTOR_WALLET, JP_COUPON),
                                                        (us_wallet.address, US_COUPON)):
            lines = EntitlementLine.objects.filter(action__security=bond, wallet=wallet)
            assert set(lines.values_list("status", flat=True)) == {EntitlementLine.Status.PAID}
            paid = sum(line.net for line in lines)
            assert paid == 2 * net + units * FACE, (wallet, paid)   # two coupons (same net) + principal
            assert backend.balance_of(token[cash.pk], wallet) == int(paid)
            assert backend.balance_of(token[bond.pk], wallet) == 0
        # The treasury paid the nets; the tax withheld stays with it (for the tax office).
        nets = sum(EntitlementLine.objects.filter(action__security=bond).values_list("net", flat=True))
        assert nets == 2 * (JP_COUPON[3] + US_COUPON[3]) + 5 * FACE
        assert backend.balance_of(token[cash.pk], treasury_wallet) == 600000 - int(nets)

        issuer_ctx, iss = _context(browser, base, issuer_admin)
        iss.goto(f"{base}/servicing/securities/{bond.pk}/")
        iss.get_by_text("Matured on").first.wait_for()
        assert iss.get_by_test_id("past-action").count() >= 2
        issuer_ctx.close()
