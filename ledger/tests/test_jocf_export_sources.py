"""Where the JOCF transactions' prices come from: a secondary trade settled delivery versus
payment is a transfer whose resulting lot carries the trade's price per unit (from the cash
leg's base units), while the seller's balance lot keeps its own lot's price."""

from __future__ import annotations

from ledger.exports.jocf import CLASSES_FILE, TRANSACTIONS_FILE, jocf_package

from .jocf_rules import package_problems
from .ocf_register import trade_settled


def test_a_trade_settled_delivery_versus_payment_is_a_transfer_at_the_trade_price(settings, issuer, issuer_admin,
                                                                                   verified_investor):
    settlement = trade_settled(settings, issuer=issuer, issuer_admin=issuer_admin, seller=verified_investor)
    security = settlement.security

    files = jocf_package(issuer=issuer).files
    assert package_problems(files) == []
    transactions = files[TRANSACTIONS_FILE]["items"]
    (transfer,) = [t for t in transactions if t["object_type"] == "TX_STOCK_TRANSFER"]
    assert transfer["quantity"] == "4" and "delivery versus payment" in transfer["description"]
    issued = {t["security_id"]: t for t in transactions if t["object_type"] == "TX_STOCK_ISSUANCE"}
    resulting = issued[transfer["resulting_security_ids"][0]]
    assert resulting["securityholder_id"] == f"investor-{settlement.buyer_id}"
    assert resulting["share_price"] == {"amount": "1500", "currency": "JPY"}
    balance = issued[transfer["balance_security_id"]]
    assert balance["quantity"] == "6" and balance["share_price"] == issued[transfer["security_id"]]["share_price"]
    # the cash token is not the issuer's equity: it is no stock class
    assert [c["id"] for c in files[CLASSES_FILE]["items"]] == [f"stock-class-{security.pk}"]
