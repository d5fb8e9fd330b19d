"""Where the OCF transactions' extra facts come from: a subscription settled at its offering's
price (share_price), a secondary trade settled delivery versus payment (a transfer whose
consideration says so), OCF numerics from base units, and the schema folder that must be found."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from issuance.tests.factories import OfferingFactory, SubscriptionFactory
from ledger.exports.ocf import ocf_package
from ledger.exports.ocf_objects import numeric
from ledger.services import subscription_settle

from . import ocf_schemas
from .ocf_register import equity_security, trade_settled
from .ocf_schemas import read_package, schema_errors


def _transactions(issuer):
    files = read_package(ocf_package(issuer=issuer).body)
    assert [e for d in files.values() for e in schema_errors(d)] == []
    return files["Transactions.ocf.json"]["items"]


def test_a_settled_subscription_carries_its_offering_price(issuer, issuer_admin, verified_investor):
    security = equity_security(issuer=issuer, created_by=issuer_admin)
    offering = OfferingFactory(security=security, documents=False, price=Decimal("2500.00"), currency="JPY")
    subscription = SubscriptionFactory(offering=offering, investor=verified_investor, units=4,
                                       status="ready_to_settle")
    subscription_settle(subscription=subscription, actor=issuer_admin)
    (issuance,) = _transactions(issuer)
    assert issuance["share_price"] == {"amount": "2500.00", "currency": "JPY"}
    assert issuance["quantity"] == "4" and f"offering {offering.pk}" in issuance["comments"][-1]


def test_a_direct_issuance_says_its_price_was_not_recorded(issuer, issuer_admin, investor_wallet):
    from ledger.services import tokens_issue

    security = equity_security(issuer=issuer, created_by=issuer_admin)
    tokens_issue(security=security, wallet=investor_wallet, amount=3, actor=issuer_admin, reason="")
    (issuance,) = _transactions(issuer)
    assert issuance["share_price"] == {"amount": "0", "currency": "JPY"}
    assert "no price is recorded" in issuance["comments"][-1]


def test_a_trade_settled_delivery_versus_payment_is_a_transfer(settings, issuer, issuer_admin, verified_investor):
    settlement = trade_settled(settings, issuer=issuer, issuer_admin=issuer_admin, seller=verified_investor)
    security = settlement.security
    transactions = _transactions(issuer)
    (transfer,) = [t for t in transactions if t["object_type"] == "TX_STOCK_TRANSFER"]
    assert transfer["quantity"] == "4" and "delivery versus payment" in transfer["consideration_text"]
    issued = {t["security_id"]: t for t in transactions if t["object_type"] == "TX_STOCK_ISSUANCE"}
    assert issued[transfer["resulting_security_ids"][0]]["stakeholder_id"] == f"investor-{settlement.buyer_id}"
    assert issued[transfer["balance_security_id"]]["quantity"] == "6"
    # the cash token is not the issuer's equity: it is no stock class
    files = read_package(ocf_package(issuer=issuer).body)
    assert [c["id"] for c in files["StockClasses.ocf.json"]["items"]] == [f"stock-class-{security.pk}"]


@pytest.mark.parametrize(("units", "decimals", "text"), [(0, 0, "0"), (120, 0, "120"), (1_500_000, 6, "1.5"),
                                                         (7, 6, "0.000007"), (10**30, 0, str(10**30)),
                                                         (10**77 + 1, 2, str(10**75) + ".01")])
def test_numerics_are_strings_from_base_units(units, decimals, text):
    assert numeric(units, decimals) == text


def test_missing_schemas_fail_the_tests_with_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setattr(ocf_schemas, "candidates", lambda: [Path(tmp_path / "nowhere")])
    with pytest.raises(pytest.fail.Exception) as failed:
        ocf_schemas.schema_dir()
    assert "OCF 1.2.0 schemas were not found" in str(failed.value) and "OCF_SCHEMA_DIR" in str(failed.value)


def test_the_schema_folder_can_be_named(settings):
    settings.OCF_SCHEMA_DIR = str(ocf_schemas.schema_dir())   # the schema/ folder itself is accepted too
    assert ocf_schemas.candidates()[0] == Path(settings.OCF_SCHEMA_DIR)
    assert ocf_schemas.schema_dir() == Path(settings.OCF_SCHEMA_DIR)
