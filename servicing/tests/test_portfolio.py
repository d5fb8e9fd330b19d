"""The investor dashboard follows the investor: the onboarding tracker (profile, document,
wallet, verified, eligible, from the real state) until done, then the portfolio (holdings with
their terms and value, cash, next payments, an allocation chart in SVG), with a number of
queries that does not grow with the holdings."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import UserFactory
from cash.models import TrustAccount
from core.models import OutboxEntry
from investors.models import InvestorProfile
from investors.tests.factories import InvestorProfileFactory, WalletFactory
from issuance.models import Offering, Security
from issuance.onboarding import onboarding_for
from issuance.tests.factories import IssuerFactory, OfferingFactory, SecurityFactory
from ledger.models import Position, Settlement
from servicing.portfolio import portfolio_of


def _wallet(user) -> str:
    return user.investor_profile.wallets.get().address


def _hold(user, security, units: int) -> Position:
    return Position.objects.create(security=security, investor=user, wallet=_wallet(user), balance=units)


def _steps(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-testid="step-(\w+)" data-done="([01])"', page))


def _dashboard(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


# -- the tracker --------------------------------------------------------------------------

def test_a_new_investor_sees_every_step_to_do_and_no_portfolio(client, unverified_investor):
    page = _dashboard(client, unverified_investor)
    assert _steps(page) == {"profile": "0", "document": "0", "wallet": "0", "verified": "0", "eligible": "0"}
    assert 'data-testid="portfolio"' not in page
    assert reverse("investors:profile") in page and reverse("investors:wallets") in page


def test_the_steps_follow_the_real_state(db):
    user = UserFactory(role=Role.INVESTOR)
    profile = InvestorProfileFactory(user=user, investor_status=InvestorProfile.InvestorStatus.RETAIL)
    steps = {s.key: s.done for s in onboarding_for(user=user).steps}
    assert steps == {"profile": True, "document": False, "wallet": False, "verified": False, "eligible": False}
    WalletFactory(profile=profile)
    profile.kyc_status = InvestorProfile.KycStatus.SUBMITTED    # submitted: profile and document were complete
    profile.save()
    tracker = onboarding_for(user=user)
    assert [s.done for s in tracker.steps] == [True, True, True, False, False] and not tracker.done
    assert tracker.next_step.key == "verified"


def test_an_expired_verification_is_not_verified(verified_investor):
    profile = verified_investor.investor_profile
    today = dt.date(2030, 1, 10)
    profile.kyc_expires_on = today - dt.timedelta(days=1)
    profile.save()
    steps = {s.key: s for s in onboarding_for(user=verified_investor, today=today).steps}
    assert not steps["verified"].done and "expired" in steps["verified"].detail


def test_eligible_needs_an_open_offering_the_rules_allow(verified_investor):
    restricted = SecurityFactory(allowed_countries=["US"])            # the investor lives in JP
    OfferingFactory(security=restricted, documents=False)
    assert not onboarding_for(user=verified_investor).done
    OfferingFactory(documents=False)
    tracker = onboarding_for(user=verified_investor)
    assert tracker.done and tracker.eligible_offerings == 1


# -- the portfolio -------------------------------------------------------------------------

def test_a_verified_investor_who_holds_tokens_sees_the_portfolio_not_the_kyc_steps(client, verified_investor):
    offering = OfferingFactory(documents=False)                         # 100,000 JPY a unit
    offering.status = Offering.Status.CLOSED                            # nothing open: "eligible" not met
    offering.save()
    _hold(verified_investor, offering.security, 5)
    page = _dashboard(client, verified_investor)
    assert 'data-testid="onboarding"' not in page and "Complete your KYC" not in page
    holding = page.split('data-testid="portfolio-holding"')[1].split("</tr>")[0]
    assert offering.security.symbol in holding and "500,000 JPY" in holding
    assert 'data-source="offering"' in holding and "offering price" in holding
    assert "Coupon 1.25%" in holding and "2031-03-31" in holding     # the bond's terms


def test_the_last_trade_prices_the_holding_over_the_offering(verified_investor, second_investor_wallet):
    offering = OfferingFactory(documents=False)
    security = offering.security
    _hold(verified_investor, security, 4)
    cash = SecurityFactory(kind=Security.Kind.CASH, symbol="JPYC", name="Yen cash", issuer=security.issuer)
    seller, seller_wallet = second_investor_wallet
    outbox = OutboxEntry.objects.create(kind="dvp.settle", idempotency_key="test:trade", status="confirmed")
    Settlement.objects.create(kind=Settlement.Kind.SECONDARY, security=security, cash=cash, units=2, price=250_000,
                              seller=seller, seller_wallet=seller_wallet, buyer=verified_investor,
                              buyer_wallet=_wallet(verified_investor), deadline=timezone.now(),
                              status=Settlement.Status.SETTLED, outbox=outbox, decided_at=timezone.now())
    (holding,) = portfolio_of(user=verified_investor).holdings
    assert holding.price.source == "trade" and holding.price.amount == Decimal(125_000)
    assert str(holding.value) == "500,000 JPY" and holding.price.label.startswith("last trade on ")


def test_the_allocation_chart_splits_the_value_and_the_cash(verified_investor):
    a = OfferingFactory(documents=False).security
    b = OfferingFactory(documents=False).security
    _hold(verified_investor, a, 1)      # 100,000 JPY
    _hold(verified_investor, b, 2)      # 200,000 JPY
    cash = SecurityFactory(kind=Security.Kind.CASH, symbol="JPYC", name="Yen cash", decimals=0)
    TrustAccount.objects.create(currency="JPY", security=cash, bank_account="trust 1", balance=100_000)
    Position.objects.create(security=cash, investor=verified_investor, wallet=_wallet(verified_investor),
                            balance=100_000)
    portfolio = portfolio_of(user=verified_investor)
    (chart,) = portfolio.charts
    assert chart.currency == "JPY" and str(chart.total) == "400,000 JPY"
    assert [(s.label, s.percent, s.width) for s in chart.segments] == [
        (a.symbol, Decimal("25.0"), "120.0"), (b.symbol, Decimal("50.0"), "240.0"), ("Cash", Decimal("25.0"), "120.0")]
    assert [h.share for h in portfolio.holdings] == [Decimal("25.0"), Decimal("50.0")]


def test_a_holding_without_any_price_shows_no_value(client, verified_investor):
    security = SecurityFactory()                     # never offered publicly, never traded
    _hold(verified_investor, security, 3)
    page = _dashboard(client, verified_investor)
    assert "No price yet" in page and 'data-testid="allocation-' not in page


def test_the_dashboard_in_japanese_names_the_price_and_the_steps(client, unverified_investor):
    client.cookies["django_language"] = "ja"
    page = _dashboard(client, unverified_investor)
    assert "はじめに" in page and "本人確認書類" in page and "Getting started" not in page


@pytest.fixture
def second_investor_wallet(db):
    from ledger.tests.factories import approved_investor

    user, (wallet,) = approved_investor(email="seller@example.test")
    return user, wallet.address


def test_portfolio_queries_do_not_grow_with_the_holdings(client, verified_investor):
    issuer = IssuerFactory()
    securities = [OfferingFactory(documents=False, security=SecurityFactory(issuer=issuer)).security
                  for _ in range(5)]
    client.force_login(verified_investor)
    _hold(verified_investor, securities[0], 1)
    client.get(reverse("accounts:dashboard"))                          # warm the caches (clock, session)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("accounts:dashboard")).status_code == 200
    for security in securities[1:]:
        _hold(verified_investor, security, 2)
    with CaptureQueriesContext(connection) as five:
        page = client.get(reverse("accounts:dashboard")).content.decode()
    assert page.count('data-testid="portfolio-holding"') == 5
    assert len(five) == len(one), [q["sql"] for q in five.captured_queries]
