"""Servicing fixtures, shared by every servicing test file (actions, record close, payments,
pages): the persona issuer approved with its treasury, a JPY bond of it (issued on the
business date, two years, 2% semi-annual, ACT/365F), an equity and a fund of the same
issuer, three holders with bond positions (a JP individual, a JP corporation, a US
individual), the JPY cash token, the treasury funded in it, and the fake record reader.

Dates are relative to the business date (the suite shifts it at random), never to the wall clock.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from accounts.models import Role
from accounts.tests.factories import UserFactory
from core.clock import business_today
from investors.models import InvestorProfile, Wallet
from issuance.models import Security
from issuance.tests.factories import IssuerFactory, SecurityFactory

from .fakes import FakeRecordReader

FAKE_READER = "servicing.tests.fakes.FakeRecordReader"


def years_later(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (28 Feb for a 29 Feb that does not exist then)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def holder(email: str, *, country: str = "JP", kind: str = InvestorProfile.Kind.INDIVIDUAL,
           tax_residency: str | None = None) -> tuple:
    """A KYC-approved investor (qualified) with one active wallet: (user, wallet)."""
    from compliance.tests.factories import approve_profile
    from investors.tests.factories import InvestorProfileFactory, WalletFactory

    user = UserFactory(email=email, role=Role.INVESTOR)
    profile = InvestorProfileFactory(user=user, kind=kind, residence_country=country,
                                     tax_residency=country if tax_residency is None else tax_residency,
                                     investor_status=InvestorProfile.InvestorStatus.QUALIFIED, status_basis="test")
    wallet = WalletFactory(profile=profile)
    approve_profile(profile)
    return user, wallet


def wallet_of(user) -> Wallet:
    return Wallet.objects.filter(profile__user=user, status=Wallet.Status.ACTIVE).order_by("id").first()


def issue(security: Security, wallet: Wallet, amount: int, actor) -> None:
    """`amount` base units of `security` issued to `wallet` through the register's service."""
    from ledger.services import tokens_issue

    tokens_issue(security=security, wallet=wallet, amount=amount, actor=actor, reason="servicing test")


def treasury_fund(issuer, amount: str, *, admin, agent, currency: str = "JPY") -> None:
    """Cash of `currency` deposited into the issuer's treasury wallet (minted by the cash agent)."""
    from cash import services

    deposit = services.treasury_deposit_request(issuer=issuer, currency=currency, amount=amount, actor=admin)
    services.deposit_receipt_record(deposit=deposit, amount=amount, bank_reference="TREASURY-1",
                                    value_date=business_today(), actor=agent)


@pytest.fixture
def servicing_issuer(issuer_org, compliance_officer):
    """The persona organization's issuer, approved, with its treasury (the paying account's holder)."""
    from issuance.treasury import treasury_open

    issuer = IssuerFactory(organization=issuer_org)
    treasury_open(issuer=issuer, actor=compliance_officer)
    issuer.refresh_from_db()
    return issuer


@pytest.fixture
def bond(servicing_issuer, issuer_admin):
    """A JPY bond issued today (business date): 100,000 face, 2% semi-annual, ACT/365F, two
    years, redeemed at 100%, no business-day calendar (the dates are exactly the terms')."""
    today = business_today()
    return SecurityFactory(issuer=servicing_issuer, created_by=issuer_admin, name="Sakura Green Bond",
                           symbol="SGB", face_value=Decimal("100000"), coupon_rate=Decimal("2"),
                           coupon_frequency=Security.CouponFrequency.SEMIANNUAL,
                           day_count=Security.DayCount.ACT_365F, issue_date=today,
                           maturity_date=years_later(today, 2), redemption_price=Decimal("100"),
                           calendar=Security.Calendar.NONE)


@pytest.fixture
def equity(servicing_issuer, issuer_admin):
    return SecurityFactory(issuer=servicing_issuer, created_by=issuer_admin, kind=Security.Kind.EQUITY,
                           name="Sakura Robotics common", symbol="SAKR", face_value=None, coupon_rate=None,
                           coupon_frequency="", day_count="", issue_date=None, maturity_date=None,
                           redemption_price=None, share_class="A", par_value=Decimal("0"),
                           authorized_shares=1_000_000)


@pytest.fixture
def fund(servicing_issuer, issuer_admin):
    """Fund units to 1e-6 (decimals 6)."""
    return SecurityFactory(issuer=servicing_issuer, created_by=issuer_admin, kind=Security.Kind.FUND,
                           name="Sakura Income Fund", symbol="SAKF", decimals=6, face_value=None,
                           coupon_rate=None, coupon_frequency="", day_count="", issue_date=None,
                           maturity_date=None, redemption_price=None, nav_per_unit=Decimal("10000"),
                           dealing_frequency=Security.Dealing.MONTHLY)


@pytest.fixture
def holders(db):
    """Three investors: a JP individual, a JP corporation, a US individual (no units yet)."""
    jp, jp_wallet = holder("ichiro@example.test")
    corp, corp_wallet = holder("finance@kabushiki.test", kind=InvestorProfile.Kind.ENTITY)
    us, us_wallet = holder("john@example.test", country="US")
    return SimpleNamespace(jp=jp, corp=corp, us=us, jp_wallet=jp_wallet, corp_wallet=corp_wallet,
                           us_wallet=us_wallet)


@pytest.fixture
def bond_held(bond, holders, issuer_admin):
    """The bond with 10 / 20 / 30 units held by the JP individual, the JP corporation, the US individual."""
    issue(bond, holders.jp_wallet, 10, issuer_admin)
    issue(bond, holders.corp_wallet, 20, issuer_admin)
    issue(bond, holders.us_wallet, 30, issuer_admin)
    return bond


@pytest.fixture
def cash_jpy(cash_agent):
    """The JPY cash token (the trust account and its token, created by the cash agent)."""
    from cash.services import cash_token_create

    return cash_token_create(currency="JPY", actor=cash_agent)


@pytest.fixture
def fake_reader(settings):
    """servicing.record.reader() gives a FakeRecordReader (agreeing with the register unless told)."""
    FakeRecordReader.reset()
    settings.SERVICING_RECORD_READER = FAKE_READER
    yield FakeRecordReader
    FakeRecordReader.reset()
