"""The register's outcomes tell the people concerned (notifications.hooks): a settled
subscription its investor, a settled trade both parties (a failed one nobody), once."""

from __future__ import annotations

from investors.tests.factories import VERIFIED_INVESTOR_KEY
from ledger.services import offer_accept, offer_create, settlement_authorize, settlement_outcome, subscription_settle
from ledger.settlement_selectors import settlement_typed_data
from notifications.kinds import Kind
from notifications.models import Notification

from .dvp import BUYER_KEY, sign


def test_settled_subscription_tells_the_investor_once(ready_subscription, issuer_admin, investor_wallet):
    subscription_settle(subscription=ready_subscription, actor=issuer_admin)
    subscription_settle(subscription=ready_subscription, actor=issuer_admin)   # settling again returns the first
    row = Notification.objects.get(kind=Kind.SUBSCRIPTION_SETTLED)
    assert row.recipient_id == ready_subscription.investor_id and row.params["units"] == "5"
    assert row.link == f"/issuance/my-subscriptions/{ready_subscription.pk}/"


def _submitted(m):
    offer = offer_create(security=m.bond, wallet=m.seller_wallet, units=4, unit_price="1500",
                         expires_at=m.later(hours=1), actor=m.seller)
    settlement = offer_accept(offer=offer, wallet=m.buyer_wallet, actor=m.buyer)
    typed = settlement_typed_data(settlement)
    settlement_authorize(settlement=settlement, signature=sign(typed, VERIFIED_INVESTOR_KEY), actor=m.seller)
    return settlement_authorize(settlement=settlement, signature=sign(typed, BUYER_KEY), actor=m.buyer)


def test_settled_trade_tells_both_parties_once(market):
    settlement = _submitted(market)
    settlement_outcome(settlement_id=settlement.pk, settled=True)
    settlement_outcome(settlement_id=settlement.pk, settled=True)
    rows = Notification.objects.filter(kind=Kind.TRADE_SETTLED)
    assert sorted(r.recipient_id for r in rows) == sorted([market.seller.pk, market.buyer.pk])
    assert rows[0].params["units"] == "4" and rows[0].params["amount"].endswith(market.cash.currency)


def test_failed_trade_tells_nobody_it_settled(market):
    settlement = _submitted(market)
    settlement_outcome(settlement_id=settlement.pk, settled=False, code="InvalidSignature")
    assert not Notification.objects.filter(kind=Kind.TRADE_SETTLED).exists()
