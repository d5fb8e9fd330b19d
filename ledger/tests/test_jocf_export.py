"""The JOCF package of a Japanese issuer, built from a register made through the real ledger
services (issuances, a subscription settled at its price, a transfer spanning two lots, a
forced transfer with its legal reason, a redemption), checked against what the JOCF schemas
require (ledger/tests/jocf_rules.py) and against the register itself."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from decimal import Decimal

import pytest

from core.clock import business_today
from core.errors import ApplicationError
from investors.models import InvestorProfile
from issuance.tests.factories import OfferingFactory, SecurityFactory, SubscriptionFactory
from ledger.exports.jocf import (
    CLASSES_FILE,
    HOLDERS_FILE,
    JOCF_SCHEMA_BASE,
    MANIFEST_FILE,
    TRANSACTIONS_FILE,
    jocf_package,
    numeric,
    stock_class,
    units_of,
)
from ledger.models import Position, TokenAction
from ledger.services import subscription_settle

from .jocf_rules import object_problems, open_lots, package_problems
from .ocf_register import equity_register_build, equity_security


@pytest.fixture
def register(issuer, issuer_admin, compliance_officer, second_officer, verified_investor):
    built = equity_register_build(issuer=issuer, issuer_admin=issuer_admin, compliance_officer=compliance_officer,
                                  second_officer=second_officer)
    InvestorProfile.objects.filter(user=built.alice).update(legal_name="山田 花子")
    InvestorProfile.objects.filter(user=built.carol).update(legal_name="株式会社さくら投資",
                                                            kind=InvestorProfile.Kind.ENTITY)
    offering = OfferingFactory(security=built.security, price=Decimal("1200"), documents=False)
    subscription = SubscriptionFactory(offering=offering, investor=verified_investor, units=7,
                                       amount=Decimal("8400"), status="ready_to_settle")
    subscription_settle(subscription=subscription, actor=issuer_admin)
    return built


def _unzip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _by_type(files, kind):
    return [tx for tx in files[TRANSACTIONS_FILE]["items"] if tx["object_type"] == kind]


def test_the_package_meets_every_jocf_requirement_we_check(issuer, register):
    package = jocf_package(issuer=issuer)
    raw = _unzip(package.body)
    assert set(raw) == {MANIFEST_FILE, HOLDERS_FILE, CLASSES_FILE, TRANSACTIONS_FILE}
    files = {name: json.loads(raw[name]) for name in (HOLDERS_FILE, CLASSES_FILE, TRANSACTIONS_FILE)}
    assert files == package.files
    assert package_problems(files) == []
    kinds = [tx["object_type"] for tx in files[TRANSACTIONS_FILE]["items"]]
    assert {"TX_STOCK_ISSUANCE", "TX_STOCK_TRANSFER", "TX_STOCK_REPURCHASE"} == set(kinds)
    assert package.filename == f"sakura-robotics-kk-{business_today().isoformat()}.jocf.zip"


def test_the_manifest_names_each_file_with_a_matching_md5_the_issuer_and_the_schema_base(issuer, register):
    package = jocf_package(issuer=issuer)
    raw = _unzip(package.body)
    manifest = json.loads(raw[MANIFEST_FILE])
    assert manifest["schema_base"] == JOCF_SCHEMA_BASE and manifest["as_of"] == business_today().isoformat()
    assert manifest["issuer"] == {"legal_name": issuer.legal_name, "registration_number": issuer.registration_number,
                                  "jurisdiction": "JP"}
    listed = {f["filepath"]: f for f in manifest["files"]}
    assert set(listed) == {HOLDERS_FILE, CLASSES_FILE, TRANSACTIONS_FILE}
    for name, entry in listed.items():
        assert entry["md5"] == hashlib.md5(raw[name]).hexdigest()
        assert entry["file_type"] == json.loads(raw[name])["file_type"]


def test_open_lots_equal_the_register_positions(issuer, register, verified_investor):
    files = jocf_package(issuer=issuer).files
    positions: dict[str, int] = {}
    for investor, balance in Position.objects.filter(security=register.security).values_list("investor", "balance"):
        if balance:
            positions[f"investor-{investor}"] = positions.get(f"investor-{investor}", 0) + int(balance)
    assert open_lots(files) == positions
    assert positions == {f"investor-{register.alice.pk}": 25, f"investor-{register.bob.pk}": 140,
                         f"investor-{register.carol.pk}": 10, f"investor-{verified_investor.pk}": 7}


def test_the_transfer_spanning_two_lots_names_resulting_and_balance_lots(issuer, register):
    files = jocf_package(issuer=issuer).files
    issuances = {tx["security_id"]: tx for tx in _by_type(files, "TX_STOCK_ISSUANCE")}
    sale = [tx for tx in _by_type(files, "TX_STOCK_TRANSFER") if tx.get("description") == "Secondary sale"]
    assert [tx["quantity"] for tx in sale] == ["100", "20"]
    whole, partial = sale
    assert "balance_security_id" not in whole
    balance = issuances[partial["balance_security_id"]]
    assert balance["quantity"] == "30" and balance["securityholder_id"] == f"investor-{register.alice.pk}"
    for tx in sale:
        (resulting,) = tx["resulting_security_ids"]
        assert issuances[resulting]["securityholder_id"] == f"investor-{register.bob.pk}"
        assert issuances[resulting]["quantity"] == tx["quantity"] and issuances[resulting]["date"] == tx["date"]


def test_the_forced_transfer_carries_its_legal_reason(issuer, register):
    files = jocf_package(issuer=issuer).files
    (forced,) = [tx for tx in _by_type(files, "TX_STOCK_TRANSFER") if "comments" in tx]
    assert forced["quantity"] == "10"
    assert any("Court order 2026-123" in comment for comment in forced["comments"])
    issuances = {tx["security_id"]: tx for tx in _by_type(files, "TX_STOCK_ISSUANCE")}
    (resulting,) = forced["resulting_security_ids"]
    assert issuances[resulting]["securityholder_id"] == f"investor-{register.carol.pk}"
    assert issuances[forced["balance_security_id"]]["quantity"] == "20"


def test_the_redemption_is_a_repurchase_of_the_oldest_lot_with_its_balance(issuer, register):
    files = jocf_package(issuer=issuer).files
    (repurchase,) = _by_type(files, "TX_STOCK_REPURCHASE")
    assert repurchase["quantity"] == "5" and repurchase["consideration_text"] == "Buy-back"
    assert repurchase["price"] == {"amount": "0", "currency": "JPY"}     # the register records no price
    issuances = {tx["security_id"]: tx for tx in _by_type(files, "TX_STOCK_ISSUANCE")}
    assert issuances[repurchase["balance_security_id"]]["quantity"] == "25"   # alice kept 30 of her second lot
    assert issuances[repurchase["security_id"]]["securityholder_id"] == f"investor-{register.alice.pk}"


def test_holders_are_named_as_the_register_names_them_in_japanese_where_it_has_it(issuer, register,
                                                                                    verified_investor):
    holders = {h["id"]: h for h in jocf_package(issuer=issuer).files[HOLDERS_FILE]["items"]}
    assert holders[f"investor-{register.alice.pk}"]["name"] == {"legal_name": "山田 花子"}
    assert holders[f"investor-{register.carol.pk}"]["security_holder_type"] == "INSTITUTION"
    assert holders[f"investor-{register.alice.pk}"]["security_holder_type"] == "INDIVIDUAL"
    assert holders[f"investor-{verified_investor.pk}"]["name"] == {"legal_name": "Hanako Yamada"}
    raw = _unzip(jocf_package(issuer=issuer).body)[HOLDERS_FILE]
    assert "山田 花子".encode() in raw           # UTF-8 as written, not \\u escapes


def test_a_holder_with_no_name_is_never_named_by_e_mail(issuer, register):
    InvestorProfile.objects.filter(user=register.bob).update(legal_name="")
    type(register.bob).objects.filter(pk=register.bob.pk).update(full_name="")
    raw = _unzip(jocf_package(issuer=issuer).body)[HOLDERS_FILE]
    holders = {h["id"]: h for h in json.loads(raw)["items"]}
    assert holders[f"investor-{register.bob.pk}"]["name"] == {"legal_name": f"Investor {register.bob.pk}"}
    assert b"@" not in raw


def test_a_settled_subscription_is_issued_at_its_price_and_a_direct_issuance_says_it_has_none(issuer, register,
                                                                                             verified_investor):
    issuances = _by_type(jocf_package(issuer=issuer).files, "TX_STOCK_ISSUANCE")
    (subscribed,) = [tx for tx in issuances if tx["securityholder_id"] == f"investor-{verified_investor.pk}"]
    assert subscribed["share_price"] == {"amount": "1200", "currency": "JPY"} and subscribed["quantity"] == "7"
    seed = next(tx for tx in issuances if tx.get("description", "").startswith("Seed round"))
    assert seed["share_price"]["amount"] == "0" and "no price recorded" in seed["description"]


def test_bonds_are_left_out_and_said_so(issuer, register, issuer_admin):
    bond = SecurityFactory(issuer=issuer, created_by=issuer_admin, symbol="SGB31")
    package = jocf_package(issuer=issuer)
    assert [entry["symbol"] for entry in package.manifest["left_out"]] == [bond.symbol]
    assert "bond" in package.manifest["left_out"][0]["why"]
    assert [c["name"] for c in package.files[CLASSES_FILE]["items"]] == ["Common"]


def test_the_same_register_gives_the_same_bytes(issuer, register):
    first, again = jocf_package(issuer=issuer), jocf_package(issuer=issuer)
    assert first.body == again.body and first.files == again.files
    assert first.summary["format"] == "jocf" and first.summary["securities"] == [register.security.pk]


def test_one_security_alone(issuer, register, issuer_admin):
    other = equity_security(issuer=issuer, created_by=issuer_admin, share_class="A種優先株式", symbol="SKRA")
    package = jocf_package(issuer=issuer, security=register.security)
    assert [c["id"] for c in package.files[CLASSES_FILE]["items"]] == [f"stock-class-{register.security.pk}"]
    assert package.filename == f"SKRC-{business_today().isoformat()}.jocf.zip"
    assert package_problems(jocf_package(issuer=issuer, security=other).files) == []   # an empty register


def test_an_issuer_outside_japan_is_refused_with_a_code(issuer, register):
    issuer.jurisdiction = "US"
    issuer.save(update_fields=["jurisdiction"])
    with pytest.raises(ApplicationError) as refused:
        jocf_package(issuer=issuer)
    assert refused.value.code == "jocf_not_japanese_issuer" and refused.value.status == 400


def test_every_moving_action_is_in_the_package(issuer, register):
    """Every moving action of the register is in the package: none is dropped or invented."""
    files = jocf_package(issuer=issuer).files
    moving = TokenAction.objects.filter(security=register.security,
                                        kind__in=["issue", "transfer", "forced_transfer", "redeem"])
    issued = sum(int(a.amount) for a in moving if a.kind == "issue")
    redeemed = sum(int(a.amount) for a in moving if a.kind == "redeem")
    assert sum(open_lots(files).values()) == issued - redeemed


# -- the mapping on stand-in values, and the checker itself ------------------------------------

def test_numerics_are_plain_decimal_strings():
    assert numeric(Decimal("100")) == "100" and numeric(7) == "7" and numeric(Decimal("1E+3")) == "1000"
    assert numeric(Decimal("0.1234560")) == "0.123456"
    assert units_of(1_500_000, 6) == "1.5" and units_of(30, 0) == "30" and units_of(7, 6) == "0.000007"
    assert numeric(10**30) == str(10**30) and units_of(10**30 + 1, 6) == "1000000000000000000000000.000001"
    assert numeric(Decimal("1000") / 3) == "333.3333333333" and numeric(0) == "0"


def test_a_preferred_class_is_typed_so_and_keeps_authorized_shares_in_its_description(issuer, issuer_admin):
    preferred = equity_security(issuer=issuer, created_by=issuer_admin, share_class="A種優先株式", symbol="SKRA",
                                authorized_shares=5000)
    obj = stock_class(preferred)
    assert obj["class_type"] == "PREFERRED" and obj["name"] == "A種優先株式"
    assert "5000" in obj["description"] and object_problems(obj, "class") == []


@pytest.mark.parametrize("broken, problem", [
    ({"quantity": 10}, "not a JOCF Numeric"),
    ({"quantity": "1e3"}, "not a JOCF Numeric"),
    ({"date": "2026-02-30"}, "not an ISO 8601 date"),
    ({"share_price": {"amount": "1", "currency": "JPY", "extra": 1}}, "exactly amount + currency"),
    ({"share_price": {"amount": "1", "currency": "jpy"}}, "bad amount or currency"),
    ({"comments": ["not allowed on an issuance"]}, "may not have comments"),
])
def test_the_checker_catches_what_the_schemas_forbid(broken, problem):
    issuance = {"object_type": "TX_STOCK_ISSUANCE", "id": "i1", "security_id": "l1", "stock_class_id": "c1",
                "securityholder_id": "h1", "share_price": {"amount": "1", "currency": "JPY"}, "quantity": "1",
                "date": "2026-01-05"}
    assert object_problems(issuance, "x") == []
    assert any(problem in p for p in object_problems({**issuance, **broken}, "x"))


def test_the_checker_catches_dangling_and_reused_lots():
    files = {
        HOLDERS_FILE: {"file_type": "JOCF_SECURITY_HOLDERS_FILE",
                       "items": [{"object_type": "SECURITY_HOLDER", "id": "h1", "name": {"legal_name": "A"}}]},
        CLASSES_FILE: {"file_type": "JOCF_STOCK_CLASSES_FILE",
                       "items": [{"object_type": "STOCK_CLASS", "id": "c1", "name": "Common", "class_type": "COMMON"}]},
        TRANSACTIONS_FILE: {"file_type": "JOCF_TRANSACTIONS_FILE", "items": [
            {"object_type": "TX_STOCK_TRANSFER", "id": "t1", "security_id": "l9", "quantity": "1",
             "resulting_security_ids": ["l2"], "date": "2026-01-05"},
        ]},
    }
    problems = package_problems(files)
    assert any("l9 was not issued before" in p for p in problems)
    assert any("lot l2 is never issued" in p for p in problems)
    files[HOLDERS_FILE]["file_type"] = "JOCF_SECURITYHOLDERS_FILE"
    assert any("file_type" in p for p in package_problems(files))

