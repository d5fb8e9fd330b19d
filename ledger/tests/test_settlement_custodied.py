"""Authorizing with a wallet the trust bank keeps: the investor confirms, the custody signer
signs the same typed data a self-custodied wallet would, and the settlement goes on."""

from __future__ import annotations

import pytest

from core.errors import ApplicationError
from investors.custody import custody_wallet_create
from investors.models import InvestorProfile
from investors.tests.factories import VERIFIED_INVESTOR_KEY
from ledger.services import (
    offer_accept,
    offer_create,
    settlement_authorize,
    settlement_authorize_custodied,
    tokens_issue,
)
from ledger.settlement_selectors import settlement_typed_data

from .dvp import sign


def test_custodied_buyer_confirms_and_the_trust_bank_signs(market):
    m = market
    kept = custody_wallet_create(profile=InvestorProfile.objects.get(user=m.buyer), actor=m.buyer)
    tokens_issue(security=m.cash, wallet=kept, amount=5_000, actor=m.issuer_admin, reason="")
    offer = offer_create(security=m.bond, wallet=m.seller_wallet, units=2, unit_price="1000",
                         expires_at=m.later(hours=1), actor=m.seller)
    settlement = offer_accept(offer=offer, wallet=kept, actor=m.buyer)
    with pytest.raises(ApplicationError) as self_custodied:        # the seller keeps their own key
        settlement_authorize_custodied(settlement=settlement, actor=m.seller)
    assert self_custodied.value.code == "wallet_not_custodied"
    settlement = settlement_authorize_custodied(settlement=settlement, actor=m.buyer)
    assert settlement.buyer_signature and settlement.status == "awaiting_authorization"
    settlement = settlement_authorize(settlement=settlement, actor=m.seller,
                                      signature=sign(settlement_typed_data(settlement), VERIFIED_INVESTOR_KEY))
    assert settlement.status == "submitted"
    assert settlement.outbox.payload["buyer_wallet"] == kept.address
