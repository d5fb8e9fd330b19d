"""`settlement.settled` (core.events): a subscription paid by delivery versus payment writes,
when the chain settles it, one event (settlement, subscription, security, units, price with
its currency) for the issuer's organization, and its subscription one `subscription.changed`
(signed -> settled); an issuer's settlement of a ready subscription writes the latter only. A
repeated outcome, a failed one or one rolled back writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from accounts.models import Role
from core.models import Event
from issuance.models import SettlementMode, Subscription
from issuance.tests.factories import SubscriptionFactory
from ledger.services import settlement_authorize, settlement_outcome, subscription_pay, subscription_settle
from ledger.settlement_selectors import settlement_typed_data

from .dvp import BUYER_KEY, TREASURY_KEY, investor_with_key, sign


@pytest.fixture
def submitted(market, offering):
    """The buyer's signed subscription of 5 units for 5,000 JPY in a DvP offering, paid and
    authorized: its primary settlement waits for the chain."""
    treasury, _wallet = investor_with_key("treasury@example.test", TREASURY_KEY, role=Role.TREASURY)
    issuer = offering.security.issuer
    issuer.treasury = treasury
    issuer.save(update_fields=["treasury"])
    offering.settlement_mode = SettlementMode.DVP
    offering.save(update_fields=["settlement_mode"])
    subscription = SubscriptionFactory(offering=offering, investor=market.buyer, units=5, amount=Decimal("5000"),
                                       status=Subscription.Status.SIGNED)
    settlement = subscription_pay(subscription=subscription, wallet=market.buyer_wallet, actor=market.buyer)
    return settlement_authorize(settlement=settlement, signature=sign(settlement_typed_data(settlement), BUYER_KEY),
                                actor=market.buyer)


def _decide(settlement, **kwargs):
    with transaction.atomic():       # chain/ decides inside its own transaction
        return settlement_outcome(settlement_id=settlement.pk, **kwargs)


def test_a_settled_primary_emits_one_settlement_and_one_subscription_event(submitted, market, issuer_org):
    _decide(submitted, settled=True)
    _decide(submitted, settled=True)          # reported again: nothing new
    event = Event.objects.get(type="settlement.settled")
    assert (event.key, event.organization_id) == (f"settlement.settled:{submitted.pk}", issuer_org.pk)
    assert event.data == {"settlement": submitted.pk, "subscription": submitted.subscription_id,
                          "security": market.bond.pk, "units": "5",
                          "price": {"amount": "5000", "currency": "JPY"}}
    changed = Event.objects.get(type="subscription.changed")
    assert changed.key == f"subscription.changed:{submitted.subscription_id}:settled"
    assert (changed.data["previous_status"], changed.data["status"]) == ("signed", "settled")
    assert not Event.objects.filter(type="trade.settled").exists()


def test_a_failed_or_rolled_back_primary_emits_nothing(submitted):
    with pytest.raises(RuntimeError), transaction.atomic():
        settlement_outcome(settlement_id=submitted.pk, settled=True)
        assert Event.objects.count() == 2            # written in the deciding transaction...
        raise RuntimeError("the chain's transaction fails")
    assert not Event.objects.exists()                # ...and gone with it
    _decide(submitted, settled=False, code="AuthorizationExpired(1)")
    assert not Event.objects.exists()


def test_the_issuers_settlement_moves_the_subscription_once(ready_subscription, issuer_admin, issuer_org):
    subscription_settle(subscription=ready_subscription, actor=issuer_admin)
    subscription_settle(subscription=ready_subscription, actor=issuer_admin)   # returns the first action
    event = Event.objects.get()
    assert (event.type, event.key, event.organization_id) == (
        "subscription.changed", f"subscription.changed:{ready_subscription.pk}:settled", issuer_org.pk)
    assert event.data == {"subscription": ready_subscription.pk, "offering": ready_subscription.offering_id,
                          "security": ready_subscription.offering.security_id, "status": "settled",
                          "previous_status": "ready_to_settle", "units": "5"}
