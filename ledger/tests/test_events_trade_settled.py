"""`trade.settled` (core.events): a trade of the board settled by the chain writes one event
(settlement and trade ids, security, units, price with its currency) for the issuer's
organization, in the deciding transaction; a repeated outcome, a failed or rolled-back one
writes none."""

from __future__ import annotations

import pytest
from django.db import transaction

from core.models import Event
from investors.tests.factories import VERIFIED_INVESTOR_KEY
from ledger.models import TradeOffer
from ledger.services import offer_accept, offer_create, settlement_authorize, settlement_outcome
from ledger.settlement_selectors import settlement_typed_data

from .dvp import BUYER_KEY, sign


@pytest.fixture
def submitted(market):
    offer = offer_create(security=market.bond, wallet=market.seller_wallet, units=4, unit_price="1500",
                         expires_at=market.later(hours=1), actor=market.seller)
    settlement = offer_accept(offer=offer, wallet=market.buyer_wallet, actor=market.buyer)
    typed = settlement_typed_data(settlement)
    settlement_authorize(settlement=settlement, signature=sign(typed, VERIFIED_INVESTOR_KEY), actor=market.seller)
    return settlement_authorize(settlement=settlement, signature=sign(typed, BUYER_KEY), actor=market.buyer)


def _decide(settlement, **kwargs):
    with transaction.atomic():       # chain/ decides inside its own transaction
        return settlement_outcome(settlement_id=settlement.pk, **kwargs)


def test_a_settled_trade_emits_one_event(submitted, market, issuer_org):
    _decide(submitted, settled=True)
    _decide(submitted, settled=True)          # reported again: nothing new
    event = Event.objects.get()
    offer = TradeOffer.objects.get(settlement=submitted)
    assert (event.type, event.key, event.organization_id) == ("trade.settled", f"trade.settled:{submitted.pk}",
                                                              issuer_org.pk)
    assert event.data == {"settlement": submitted.pk, "trade": offer.pk, "security": market.bond.pk, "units": "4",
                          "price": {"amount": "6000", "currency": "JPY"}}


def test_a_failed_or_rolled_back_trade_emits_nothing(submitted):
    with pytest.raises(RuntimeError), transaction.atomic():
        settlement_outcome(settlement_id=submitted.pk, settled=True)
        raise RuntimeError("the chain's transaction fails")
    assert not Event.objects.exists()
    _decide(submitted, settled=False, code="InvalidSignature")
    assert not Event.objects.exists()
