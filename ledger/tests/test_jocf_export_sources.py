"""Where the JOCF transactions' prices come from: a secondary trade settled delivery versus
payment is a transfer whose resulting lot carries the trade's price per unit (from the cash
leg's base units), while the seller's balance lot keeps its own lot's price."""

from __future__ import annotations

from investors.tests.factories import VERIFIED_INVESTOR_KEY
from ledger.exports.jocf import CLASSES_FILE, TRANSACTIONS_FILE, jocf_package
from ledger.services import offer_accept, offer_create, settlement_authorize, settlement_outcome
from ledger.settlement_selectors import settlement_typed_data

from .dvp import BUYER_KEY, market_open, sign, use_fixed_terms
from .jocf_rules import package_problems
from .ocf_register import equity_security


def test_a_trade_settled_delivery_versus_payment_is_a_transfer_at_the_trade_price(settings, issuer, issuer_admin,
                                                                                   verified_investor):
    use_fixed_terms(settings)
    security = equity_security(issuer=issuer, created_by=issuer_admin)
    m = market_open(bond=security, issuer_admin=issuer_admin, seller=verified_investor)
    offer = offer_create(security=security, wallet=m.seller_wallet, units=4, unit_price="1500",
                         expires_at=m.later(hours=1), actor=m.seller)
    settlement = offer_accept(offer=offer, wallet=m.buyer_wallet, actor=m.buyer)
    typed = settlement_typed_data(settlement)
    settlement_authorize(settlement=settlement, signature=sign(typed, VERIFIED_INVESTOR_KEY), actor=m.seller)
    settlement_authorize(settlement=settlement, signature=sign(typed, BUYER_KEY), actor=m.buyer)
    settlement_outcome(settlement_id=settlement.pk, settled=True)

    files = jocf_package(issuer=issuer).files
    assert package_problems(files) == []
    transactions = files[TRANSACTIONS_FILE]["items"]
    (transfer,) = [t for t in transactions if t["object_type"] == "TX_STOCK_TRANSFER"]
    assert transfer["quantity"] == "4" and "delivery versus payment" in transfer["description"]
    issued = {t["security_id"]: t for t in transactions if t["object_type"] == "TX_STOCK_ISSUANCE"}
    resulting = issued[transfer["resulting_security_ids"][0]]
    assert resulting["securityholder_id"] == f"investor-{m.buyer.pk}"
    assert resulting["share_price"] == {"amount": "1500", "currency": "JPY"}
    balance = issued[transfer["balance_security_id"]]
    assert balance["quantity"] == "6" and balance["share_price"] == issued[transfer["security_id"]]["share_price"]
    # the cash token is not the issuer's equity: it is no stock class
    assert [c["id"] for c in files[CLASSES_FILE]["items"]] == [f"stock-class-{security.pk}"]
