"""A subscription paid by delivery versus payment: the investor pays from a wallet holding
the cash token, authorizes, the cash is held; when the chain settles, the units are minted to
the investor and the price reaches the issuer's treasury in one step."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import Role
from core.errors import ApplicationError
from core.models import OutboxEntry
from issuance.models import SettlementMode, Subscription
from issuance.tests.factories import SubscriptionFactory
from ledger.invariants import check_invariants
from ledger.models import ControlBook, Position, TokenAction
from ledger.services import settlement_authorize, settlement_outcome, subscription_pay
from ledger.settlement_selectors import settlement_typed_data

from .dvp import BUYER_KEY, TREASURY_KEY, balanced, investor_with_key, sign, snapshot


@pytest.fixture
def paying(market, offering):
    """The buyer's signed subscription of 5 units for 5,000 JPY in a DvP offering whose
    issuer has a treasury wallet."""
    treasury, wallet = investor_with_key("treasury@example.test", TREASURY_KEY, role=Role.TREASURY)
    issuer = offering.security.issuer
    issuer.treasury = treasury
    issuer.save(update_fields=["treasury"])
    offering.settlement_mode = SettlementMode.DVP
    offering.save(update_fields=["settlement_mode"])
    subscription = SubscriptionFactory(offering=offering, investor=market.buyer, units=5, amount=Decimal("5000"),
                                       status=Subscription.Status.SIGNED)
    return market, subscription, wallet


def test_paid_subscription_mints_and_pays_the_treasury_at_once(paying):
    m, subscription, treasury_wallet = paying
    settlement = subscription_pay(subscription=subscription, wallet=m.buyer_wallet, actor=m.buyer)
    assert subscription_pay(subscription=subscription, wallet=m.buyer_wallet, actor=m.buyer).pk == settlement.pk
    typed = settlement_typed_data(settlement)
    assert typed["message"]["seller"] == treasury_wallet.address and typed["message"]["price"] == "5000"
    settlement = settlement_authorize(settlement=settlement, signature=sign(typed, BUYER_KEY), actor=m.buyer)
    assert settlement.status == "submitted"                          # only the buyer's assets leave
    [entry] = OutboxEntry.objects.filter(kind="settlement.primary")
    assert "seller_signature" not in entry.payload
    cash = Position.objects.get(security=m.cash, wallet=m.buyer_wallet.address)
    assert (int(cash.held), cash.free) == (5000, 5000) and balanced()
    settlement_outcome(settlement_id=settlement.pk, settled=True)
    assert Subscription.objects.get(pk=subscription.pk).status == "settled"
    assert int(Position.objects.get(security=m.bond, wallet=m.buyer_wallet.address).balance) == 5
    assert int(Position.objects.get(security=m.cash, wallet=treasury_wallet.address).balance) == 5000
    assert int(ControlBook.objects.get(security=m.bond).issued) == 15
    kinds = sorted(TokenAction.objects.filter(settlement=settlement).values_list("kind", flat=True))
    assert kinds == ["dvp_payment", "issue"]
    assert check_invariants() == [] and balanced()


def test_a_failed_primary_leaves_the_subscription_payable_again(paying):
    m, subscription, _wallet = paying
    first = subscription_pay(subscription=subscription, wallet=m.buyer_wallet, actor=m.buyer)
    settlement_authorize(settlement=first, signature=sign(settlement_typed_data(first), BUYER_KEY), actor=m.buyer)
    settlement_outcome(settlement_id=first.pk, settled=False, code="AuthorizationExpired(1)")
    assert Subscription.objects.get(pk=subscription.pk).status == "signed"
    assert int(Position.objects.get(security=m.cash, wallet=m.buyer_wallet.address).held) == 0
    again = subscription_pay(subscription=subscription, wallet=m.buyer_wallet, actor=m.buyer)
    assert again.pk != first.pk and again.status == "awaiting_authorization"


def test_who_may_pay_and_what(paying, verified_investor):
    m, subscription, _wallet = paying
    before = snapshot()
    with pytest.raises(ApplicationError) as other:
        subscription_pay(subscription=subscription, wallet=m.seller_wallet, actor=verified_investor)
    assert other.value.status == 404
    with pytest.raises(ApplicationError) as wrong_wallet:
        subscription_pay(subscription=subscription, wallet=m.seller_wallet, actor=m.buyer)
    assert wrong_wallet.value.code == "wallet_not_investors"
    subscription.offering.settlement_mode = SettlementMode.MANUAL
    subscription.offering.save(update_fields=["settlement_mode"])
    with pytest.raises(ApplicationError) as manual:
        subscription_pay(subscription=subscription, wallet=m.buyer_wallet, actor=m.buyer)
    assert manual.value.code == "not_dvp_offering"
    assert snapshot() == before


def test_a_subscription_cancelled_meanwhile_is_not_paid(paying):
    m, subscription, _wallet = paying
    settlement = subscription_pay(subscription=subscription, wallet=m.buyer_wallet, actor=m.buyer)
    Subscription.objects.filter(pk=subscription.pk).update(status=Subscription.Status.CANCELLED)
    before = snapshot()
    with pytest.raises(ApplicationError) as late:
        settlement_authorize(settlement=settlement, signature=sign(settlement_typed_data(settlement), BUYER_KEY),
                             actor=m.buyer)
    assert late.value.code == "not_payable" and snapshot() == before
