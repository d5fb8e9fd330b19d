"""A small equity register built through the real ledger services, for the export tests
(lots, OCF, JOCF): two issuances to one investor, one to another, a transfer spanning two lots,
a forced transfer, a redemption and a move between one investor's own wallets."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from accounts.models import Membership, Role, User
from accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from investors.tests.factories import VERIFIED_INVESTOR_KEY
from issuance.models import Security
from issuance.tests.factories import IssuerFactory, SecurityFactory
from ledger.models import Settlement
from ledger.services import (
    compliance_request_approve,
    forced_transfer_request,
    offer_accept,
    offer_create,
    settlement_authorize,
    settlement_outcome,
    tokens_issue,
    tokens_redeem,
    tokens_transfer,
)
from ledger.settlement_selectors import settlement_typed_data

from .dvp import BUYER_KEY, market_open, sign, use_fixed_terms
from .factories import approved_investor


@dataclass
class EquityRegister:
    security: Security
    alice: User
    bob: User
    carol: User


def equity_security(*, issuer, created_by, **terms) -> Security:
    values = {"kind": Security.Kind.EQUITY, "name": "Sakura Robotics common stock", "symbol": "SKRC",
              "share_class": "Common", "par_value": None, "authorized_shares": 1_000_000, "face_value": None,
              "coupon_rate": None, "coupon_frequency": "", "day_count": "", "maturity_date": None,
              "redemption_price": None, "lockup_until": None}
    values.update(terms)
    return SecurityFactory(issuer=issuer, created_by=created_by, **values)


def equity_register_build(*, issuer, issuer_admin, compliance_officer, second_officer,
                          security: Security | None = None) -> EquityRegister:
    """alice: 100 + 50 issued, 120 transferred to bob (all of the first lot and 20 of the second),
    5 redeemed; bob: 30 issued + 120 received, 10 forced to carol (court order)."""
    security = security or equity_security(issuer=issuer, created_by=issuer_admin)
    alice, (a1, a2) = approved_investor(email="alice@example.test", wallets=2)
    bob, (b1,) = approved_investor(email="bob@example.test")
    carol, (c1,) = approved_investor(email="carol@example.test")
    tokens_issue(security=security, wallet=a1, amount=100, actor=issuer_admin, reason="Seed round")
    tokens_issue(security=security, wallet=a1, amount=50, actor=issuer_admin, reason="Series A")
    tokens_issue(security=security, wallet=b1, amount=30, actor=issuer_admin, reason="Series A")
    tokens_transfer(security=security, from_wallet=a1.address, to_wallet=b1.address, amount=120, actor=issuer_admin,
                    reason="Secondary sale")
    tokens_transfer(security=security, from_wallet=a1.address, to_wallet=a2.address, amount=10, actor=issuer_admin,
                    reason="Own wallets")
    request = forced_transfer_request(security=security, from_wallet=b1.address, to_wallet=c1.address, amount=10,
                                      reason="Court order 2026-123", actor=compliance_officer)
    compliance_request_approve(request=request, actor=second_officer)
    tokens_redeem(security=security, wallet=a2.address, amount=5, actor=issuer_admin, reason="Buy-back")
    return EquityRegister(security=security, alice=alice, bob=bob, carol=carol)


@pytest.fixture
def register(issuer, issuer_admin, compliance_officer, second_officer) -> EquityRegister:
    """The export tests' register (import the fixture into the test module)."""
    return equity_register_build(issuer=issuer, issuer_admin=issuer_admin, compliance_officer=compliance_officer,
                                 second_officer=second_officer)


@pytest.fixture
def other_issuer_admin(db) -> User:
    """The admin of another approved issuer: the exports of `issuer` are a 404 to them."""
    organization = OrganizationFactory()
    IssuerFactory(organization=organization)
    user = UserFactory(email="admin@other-issuer.test", role=Role.ISSUER)
    MembershipFactory(user=user, organization=organization, role=Membership.Role.ADMIN)
    return user


def trade_settled(settings, *, issuer, issuer_admin, seller) -> Settlement:
    """An equity security of `issuer` and 4 units sold by `seller` at 1,500 each, settled
    delivery versus payment through the real services (both parties sign)."""
    use_fixed_terms(settings)
    security = equity_security(issuer=issuer, created_by=issuer_admin)
    m = market_open(bond=security, issuer_admin=issuer_admin, seller=seller)
    offer = offer_create(security=security, wallet=m.seller_wallet, units=4, unit_price="1500",
                         expires_at=m.later(hours=1), actor=m.seller)
    settlement = offer_accept(offer=offer, wallet=m.buyer_wallet, actor=m.buyer)
    typed = settlement_typed_data(settlement)
    settlement_authorize(settlement=settlement, signature=sign(typed, VERIFIED_INVESTOR_KEY), actor=m.seller)
    settlement_authorize(settlement=settlement, signature=sign(typed, BUYER_KEY), actor=m.buyer)
    settlement_outcome(settlement_id=settlement.pk, settled=True)
    return settlement
