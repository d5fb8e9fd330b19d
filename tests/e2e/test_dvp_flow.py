"""Delivery versus payment in a real browser, mirrored on a real chain (issue 13, "Done when").

Two investors ask to deposit yen on their cash page; a cash agent records both bank receipts
on the cash desk (the register mints the cash token). The first investor subscribes to a DvP
offering, pays with the cash token and authorizes the settlement by pasting an EIP-712
signature (made here with eth_account over the typed data the page shows, as any wallet tool
would): one transaction of the Settlement contract mints the units and pays the issuer's
treasury. She then offers part of the position on the bond's board; the second investor
checks the pre-check, accepts and authorizes, she authorizes too, and the trade settles in
one transaction. Finally the investors' holdings and cash pages, the issuer's treasury page
and cap table, and the chain (balances read through the chain backend) all agree, and the
operator's reconciliation finds no break.

A real Celery worker on this run's own queue relays and confirms; the investor registry and
the Settlement contract are deployed as production does (chain.services.registry_deploy), the
bond's and the cash token's token.deploy rows and the wallets' registrations go through the
outbox."""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction
from django.utils import timezone
from eth_account import Account

from accounts.models import Role
from accounts.tests.factories import UserFactory
from compliance.tests.factories import approve_profile
from core.clock import business_today
from core.models import OutboxEntry
from core.outbox import outbox_put
from investors.models import InvestorProfile, Wallet
from investors.tests.factories import (
    VERIFIED_INVESTOR_KEY,
    VERIFIED_INVESTOR_WALLET,
    InvestorProfileFactory,
    WalletFactory,
)
from issuance.models import Subscription
from issuance.services.offerings import deploy_payload
from issuance.tests.factories import IssuerFactory, OfferingFactory, SecurityFactory
from ledger.models import Position, Settlement, TokenAction

from .test_offering_flow import _sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUEUE = f"dvp-e2e-{os.environ.get('TEST_DB_NAME', 'test_shoken')}-{os.getpid()}"
BUYER_KEY = "0x" + (131_313).to_bytes(32, "big").hex()
PRICE = 100_000            # JPY per unit
DEPOSIT = 300_000          # JPY each (below the second-approval limit)


def _wait(what: str, timeout: float = 90.0) -> None:
    """Bounded polling: every outbox row confirmed (none failed), or fail with what is left."""
    from chain.tasks import relay_sweep_task

    deadline = time.monotonic() + timeout
    next_kick = 0.0
    while left := list(OutboxEntry.objects.exclude(status=OutboxEntry.Status.CONFIRMED)
                       .values_list("kind", "status", "last_error")):
        assert time.monotonic() < deadline, f"{what}: not confirmed within {timeout}s: {left}"
        assert not any(status == OutboxEntry.Status.FAILED for _k, status, _e in left), f"{what}: failed: {left}"
        if time.monotonic() > next_kick:   # as beat's sweep would, in case a kick raced a commit
            relay_sweep_task.apply_async(queue=QUEUE)
            next_kick = time.monotonic() + 2.0
        time.sleep(0.1)


def _context(browser, base, user):
    ctx = browser.new_context(locale="en-US")
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    _sign_in(page, base, user)
    return ctx, page


def _authorize(page, key: str) -> None:
    """On a settlement page: sign the typed data it shows with `key` and paste the signature."""
    typed = json.loads(page.get_by_test_id("typed-json").text_content())
    signature = "0x" + bytes(Account.sign_typed_data(key, full_message=typed).signature).hex()
    page.get_by_label("Signature").fill(signature)
    page.get_by_role("button", name="Submit the signature").click()
    page.get_by_text("Authorization recorded.").or_(page.locator(".errorlist, .flash-error")).first.wait_for()
    errors = page.locator(".errorlist, .flash-error").all_inner_texts()
    assert not errors, errors


def _balance(row) -> int:
    """The balance column (the third) of a holdings or cash row, as a whole number."""
    assert row.count() == 1, row.all_inner_texts()
    return int(Decimal(row.locator("td").nth(2).inner_text().strip().replace(",", "")))


def _status(page) -> str:
    return page.get_by_test_id("trade-status").first.get_attribute("data-status")


def test_dvp_deposit_subscribe_trade_and_everything_agrees(live_server, browser, settings, chain_snapshot,
                                                           issuer_admin, issuer_org, verified_investor, operator,
                                                           compliance_officer, cash_agent, tmp_path):
    from cash.models import CashDeposit
    from cash.services.tokens import cash_token_create
    from chain.backend import get_backend
    from chain.models import DeployedContract, token_contract_name
    from chain.services import registry_deploy
    from config.celery import app
    from issuance.treasury import treasury_open

    settings.CHAIN_RPC_URL = chain_snapshot.rpc_url
    settings.CHAIN_SIGNER_KEY = chain_snapshot.keys[0]
    settings.CHAIN_CONFIRMATIONS = 0
    settings.CHAIN_REBROADCAST_AFTER_SECONDS = 0
    settings.CHAIN_WAIT_SECONDS = 0.2
    settings.OUTBOX_KICK_QUEUE = QUEUE
    settings.ISSUANCE_DOCUMENT_ROOT = tmp_path / "docs"

    # The platform as production prepares it: registry + Settlement contract, the issuer's
    # treasury (opened at approval), a JPY cash token, a DvP bond offering, a second investor.
    backend = get_backend()
    registry_deploy(backend=backend)
    cash = cash_token_create(currency="JPY", actor=cash_agent).security
    issuer = IssuerFactory(organization=issuer_org)
    treasury_wallet = Wallet.objects.get(profile__user=treasury_open(issuer=issuer, actor=compliance_officer),
                                         status=Wallet.Status.ACTIVE).address
    bond = SecurityFactory(issuer=issuer, created_by=issuer_admin, name="Sakura Green Bond 2031", symbol="SGB31")
    offering = OfferingFactory(security=bond, title="Sakura Green Bond 2031 offering", settlement_mode="dvp")
    with transaction.atomic():
        outbox_put(deploy_payload(bond), idempotency_key=f"offering:{offering.pk}:deploy")
    buyer = UserFactory(email="taro@example.test", role=Role.INVESTOR)
    profile = InvestorProfileFactory(user=buyer, legal_name="Taro Suzuki",
                                     investor_status=InvestorProfile.InvestorStatus.QUALIFIED, status_basis="test")
    buyer_wallet = WalletFactory(profile=profile, address=Account.from_key(BUYER_KEY).address).address
    approve_profile(profile)
    base = live_server.url

    with start_worker(app, queues=[QUEUE], pool="threads", concurrency=2, perform_ping_check=False,
                      shutdown_timeout=30):
        _wait("registry, tokens and wallets")

        # 1. Both investors ask to deposit yen; the cash agent records the receipts.
        seller_ctx, seller = _context(browser, base, verified_investor)
        buyer_ctx, buy = _context(browser, base, buyer)
        for page in (seller, buy):
            page.goto(f"{base}/cash/")
            page.get_by_test_id("deposit-form").get_by_label("Amount").fill(str(DEPOSIT))
            page.get_by_role("button", name="Ask to deposit").click()
            page.get_by_text("Deposit requested: transfer the amount with the reference shown below.").wait_for()
            assert "DEP-" in page.get_by_test_id("cash-deposit").first.inner_text()
        agent_ctx, desk = _context(browser, base, cash_agent)
        for n in range(2):
            desk.goto(f"{base}/cash/desk/")
            row = desk.get_by_test_id("deposits-to-record").locator("tr").filter(has=desk.locator("form")).first
            row.get_by_placeholder("Amount received").fill(str(DEPOSIT))
            row.get_by_placeholder("Bank reference").fill(f"MUFG-0512-{n}")
            row.locator("input[name=value_date]").fill(business_today().isoformat())
            row.get_by_role("button", name="Record receipt").click()
            desk.get_by_text("Receipt recorded.").wait_for()
        assert desk.get_by_test_id("deposits-to-record").get_by_role("button", name="Record receipt").count() == 0
        desk.reload()
        assert desk.get_by_test_id("trust-account").locator("td").last.inner_text().strip() == "yes"
        agent_ctx.close()
        assert set(CashDeposit.objects.values_list("status", flat=True)) == {CashDeposit.Status.MINTED}
        _wait("the deposits' mints")

        # 2. The first investor subscribes, pays with the cash token and authorizes: one
        # transaction mints the units and pays the treasury.
        seller.goto(f"{base}/issuance/market/")
        seller.get_by_role("link", name="Sakura Green Bond 2031 offering").click()
        seller.get_by_label("Units to subscribe").fill("3")
        seller.get_by_role("button", name="Subscribe").click()
        seller.get_by_label("I have read and accept the subscription agreement").check()
        seller.get_by_role("button", name="Accept the agreement").click()
        seller.get_by_test_id("pay-with-cash-token").get_by_role("button").click()
        seller.get_by_role("button", name="Continue to authorize").click()
        _authorize(seller, VERIFIED_INVESTOR_KEY)
        primary = Settlement.objects.get(kind=Settlement.Kind.PRIMARY)
        assert primary.status == Settlement.Status.SUBMITTED
        _wait("the subscription's settlement")
        seller.reload()
        assert _status(seller) == "settled"
        assert Subscription.objects.get(investor=verified_investor).status == Subscription.Status.SETTLED

        # 3. She offers one unit on the board; the second investor checks, accepts, authorizes.
        seller.goto(f"{base}/ledger/securities/{bond.pk}/board/")
        form = seller.get_by_test_id("offer-form")
        form.get_by_label("Units").fill("1")
        form.get_by_label("Price per unit").fill(str(PRICE))
        expires = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
        form.get_by_label("Offer expires at").fill(expires)
        seller.get_by_role("button", name="Put the offer on the board").click()
        seller.get_by_text("Your offer is on the board.").wait_for()
        offer_url = seller.url

        buy.goto(f"{base}/ledger/securities/{bond.pk}/board/")
        buy.get_by_test_id("offer").get_by_role("link", name="Check and buy").click()
        buy.get_by_role("button", name="Check").click()
        assert "success" in buy.get_by_test_id("precheck-eligibility").inner_text()
        buy.get_by_test_id("precheck-ok").wait_for()
        assert buy.get_by_test_id("precheck-transferable").inner_text().strip() == "3"
        buy.get_by_role("button", name="Accept and authorize").click()
        _authorize(buy, BUYER_KEY)

        seller.goto(offer_url)
        seller.get_by_test_id("settlement-link").click()
        _authorize(seller, VERIFIED_INVESTOR_KEY)
        trade = Settlement.objects.get(kind=Settlement.Kind.SECONDARY)
        assert trade.status == Settlement.Status.SUBMITTED
        _wait("the trade's settlement")
        seller.reload()
        assert _status(seller) == "settled"
        trade.refresh_from_db()
        assert trade.status == Settlement.Status.SETTLED
        assert TokenAction.objects.filter(settlement=trade).count() == 2

        # 4. Holdings and cash, the treasury and the cap table, and the chain agree.
        expected = {  # (security, wallet) -> balance
            (bond.pk, VERIFIED_INVESTOR_WALLET): 2, (bond.pk, buyer_wallet): 1,
            (cash.pk, VERIFIED_INVESTOR_WALLET): DEPOSIT - 3 * PRICE + PRICE, (cash.pk, buyer_wallet): DEPOSIT - PRICE,
        }
        expected[(cash.pk, treasury_wallet)] = 3 * PRICE
        tokens = {pk: DeployedContract.objects.get(name=token_contract_name(pk)).address for pk in (bond.pk, cash.pk)}
        for (security_id, wallet), balance in expected.items():
            position = Position.objects.get(security_id=security_id, wallet=wallet)
            assert (int(position.balance), int(position.held)) == (balance, 0), (security_id, wallet)
            assert backend.balance_of(tokens[security_id], wallet) == balance, (security_id, wallet)

        for page, units, cash_left in ((seller, 2, DEPOSIT - 2 * PRICE), (buy, 1, DEPOSIT - PRICE)):
            page.goto(f"{base}/ledger/holdings/")
            assert _balance(page.get_by_test_id("holding").filter(has_text="SGB31")) == units
            page.goto(f"{base}/cash/")
            assert _balance(page.get_by_test_id("cash-balance")) == cash_left
        seller_ctx.close()
        buyer_ctx.close()

        issuer_ctx, iss = _context(browser, base, issuer_admin)
        iss.goto(f"{base}/cash/treasury/")
        assert _balance(iss.get_by_test_id("cash-balance")) == 3 * PRICE
        iss.goto(f"{base}/ledger/securities/{bond.pk}/")
        holders = iss.get_by_test_id("holder")
        assert holders.count() == 2
        assert "66.67%" in holders.nth(0).inner_text() and "33.33%" in holders.nth(1).inner_text()
        history = iss.get_by_test_id("action").all_inner_texts()
        assert any("Delivery against payment" in row for row in history), history
        issuer_ctx.close()

        # 5. The operator reconciles: no break.
        op_ctx, op = _context(browser, base, operator)
        op.goto(f"{base}/chain/breaks/")
        op.get_by_test_id("reconcile-now").click()
        op.get_by_text("0 differences").first.wait_for()
        op.get_by_test_id("no-breaks").wait_for()
        op_ctx.close()
