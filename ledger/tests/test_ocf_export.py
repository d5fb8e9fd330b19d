"""The OCF 1.2.0 package (ledger.exports.ocf) of an issuer with issuances, a transfer spanning
two lots, a forced transfer and a redemption, built through the real ledger services: it
validates against the official schemas, and holds what the schemas require but cannot say
(ids that reference each other, dates, numerics as strings, closed objects, matching MD5s)."""

from __future__ import annotations

import hashlib
import re
from datetime import date

import pytest

from issuance.tests.factories import SecurityFactory
from ledger.exports.lots import lots_replay
from ledger.exports.ocf import MANIFEST, ocf_package

from . import ocf_register
from .ocf_register import equity_security
from .ocf_schemas import raw_files, read_package, registry_for, schema_dir, schema_errors

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NUMERIC = re.compile(r"^[+-]?[0-9]+(\.[0-9]{1,10})?$")


register = ocf_register.register   # the export tests' fixture


@pytest.fixture
def package(issuer, register, bond):
    """The issuer's package; the issuer also has a bond (the `bond` fixture), which is left out."""
    return ocf_package(issuer=issuer)


def _transactions(files):
    return files["Transactions.ocf.json"]["items"]


def test_every_file_validates_against_the_official_schemas(package):
    files = read_package(package.body)
    assert set(files) == {MANIFEST, "Stakeholders.ocf.json", "StockClasses.ocf.json", "StockLegendTemplates.ocf.json",
                          "StockPlans.ocf.json", "VestingTerms.ocf.json", "Valuations.ocf.json",
                          "Transactions.ocf.json"}
    errors = [error for document in files.values() for error in schema_errors(document)]
    assert errors == []
    kinds = [t["object_type"] for t in _transactions(files)]
    assert kinds.count("TX_STOCK_TRANSFER") == 3 and kinds.count("TX_STOCK_CANCELLATION") == 1
    assert package.filename.endswith(".ocf.zip") and package.content_type == "application/zip"


def test_a_broken_object_fails_the_schemas(package):
    """The validation is real: the schemas refuse what they must (a number where a string is due,
    an unknown field, a missing required one)."""
    files = read_package(package.body)
    transactions = files["Transactions.ocf.json"]
    first = dict(transactions["items"][0])
    for broken in ({**first, "quantity": 100}, {**first, "extra": "x"},
                   {k: v for k, v in first.items() if k != "stakeholder_id"}):
        assert schema_errors({**transactions, "items": [broken]}) != []
    assert schema_errors({**files[MANIFEST], "surprise": True}) != []


def test_every_schema_file_is_registered_under_its_id():
    folder = schema_dir()
    _registry, by_id = registry_for(str(folder))
    assert len(by_id) == len(list(folder.rglob("*.schema.json"))) > 100
    assert all(key.startswith("https://schema.opencaptablecoalition.com/v/1.2.0/") for key in by_id)


def test_ids_reference_each_other(package):
    files = read_package(package.body)
    stakeholders = {s["id"] for s in files["Stakeholders.ocf.json"]["items"]}
    classes = {c["id"] for c in files["StockClasses.ocf.json"]["items"]}
    legends = {c["id"] for c in files["StockLegendTemplates.ocf.json"]["items"]}
    transactions = _transactions(files)
    issued = {t["security_id"]: t for t in transactions if t["object_type"] == "TX_STOCK_ISSUANCE"}
    all_ids = [o["id"] for f in files.values() for o in f.get("items", [])] + [files[MANIFEST]["issuer"]["id"]]
    assert len(all_ids) == len(set(all_ids))                      # object ids are unique in the package
    seen: set[str] = set()
    for t in transactions:                                         # register order: a security exists before use
        if t["object_type"] == "TX_STOCK_ISSUANCE":
            assert t["stakeholder_id"] in stakeholders and t["stock_class_id"] in classes
            assert set(t["stock_legend_ids"]) <= legends and t["stock_legend_ids"]
            seen.add(t["security_id"])
            continue
        assert t["security_id"] in seen, t
        for ref in t.get("resulting_security_ids", []) + ([t["balance_security_id"]] if "balance_security_id" in t
                                                          else []):
            assert ref in issued, (t["id"], ref)
    # every security is consumed at most once (a lot is transferred or cancelled once, then gone)
    consumed = [t["security_id"] for t in transactions if t["object_type"] != "TX_STOCK_ISSUANCE"]
    assert len(consumed) == len(set(consumed))


def test_dates_and_numerics_are_strings_of_the_right_shape(package):
    files = read_package(package.body)
    manifest = files[MANIFEST]
    assert DATE.match(manifest["as_of"]) and DATE.match(manifest["issuer"]["formation_date"])
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", manifest["generated_at"])
    for t in _transactions(files):
        assert DATE.match(t["date"]) and date.fromisoformat(t["date"])
        assert isinstance(t["quantity"], str) and NUMERIC.match(t["quantity"])
        if "share_price" in t:
            assert isinstance(t["share_price"]["amount"], str) and NUMERIC.match(t["share_price"]["amount"])
    for c in files["StockClasses.ocf.json"]["items"]:
        assert NUMERIC.match(c["votes_per_share"]) and NUMERIC.match(c["seniority"])
        assert c["initial_shares_authorized"] == "1000000"


def test_objects_carry_only_the_fields_their_schemas_allow(package):
    """additionalProperties: false on every object: each object's keys are among its schema's
    properties (read from the official files, not from a list of ours)."""
    _registry, by_id = registry_for(str(schema_dir()))
    schema_of = {s["properties"]["object_type"]["const"]: s for s in by_id.values()
                 if "const" in s.get("properties", {}).get("object_type", {})}
    files = read_package(package.body)
    objects = [o for f in files.values() for o in f.get("items", [])] + [files[MANIFEST]["issuer"]]
    for obj in objects:
        schema = schema_of[obj["object_type"]]
        assert schema["additionalProperties"] is False
        assert set(obj) <= set(schema["properties"]), (obj["object_type"], set(obj) - set(schema["properties"]))
    manifest_schema = by_id["https://schema.opencaptablecoalition.com/v/1.2.0/files/OCFManifestFile.schema.json"]
    assert set(files[MANIFEST]) <= set(manifest_schema["properties"])


def test_the_manifest_md5s_match_the_files(package):
    raw = raw_files(package.body)
    manifest = read_package(package.body)[MANIFEST]
    listed = [f for key, value in manifest.items() if key.endswith("_files") for f in value]
    assert {f["filepath"] for f in listed} == set(raw) - {MANIFEST}
    for f in listed:
        assert f["md5"] == hashlib.md5(raw[f["filepath"]]).hexdigest()


def test_fifo_lots_give_resulting_and_balance_securities(package, register):
    files = read_package(package.body)
    history = lots_replay(register.security)
    transactions = _transactions(files)
    transfers = [t for t in transactions if t["object_type"] == "TX_STOCK_TRANSFER"]
    whole, partial, forced = transfers
    assert "balance_security_id" not in whole and whole["quantity"] == "100"
    assert partial["quantity"] == "20" and history.lots[partial["balance_security_id"]].units == 30
    issued = {t["security_id"]: t for t in transactions if t["object_type"] == "TX_STOCK_ISSUANCE"}
    assert issued[partial["balance_security_id"]]["stakeholder_id"] == f"investor-{register.alice.pk}"
    assert issued[partial["resulting_security_ids"][0]]["stakeholder_id"] == f"investor-{register.bob.pk}"
    assert forced["comments"][-1] == "Legal reason: Court order 2026-123" and "Forced" in forced["comments"][0]
    assert issued[forced["resulting_security_ids"][0]]["stakeholder_id"] == f"investor-{register.carol.pk}"
    (cancellation,) = [t for t in transactions if t["object_type"] == "TX_STOCK_CANCELLATION"]
    assert cancellation["security_id"] == partial["balance_security_id"] and cancellation["quantity"] == "5"
    assert cancellation["reason_text"] == "Redeemed: Buy-back"
    assert issued[cancellation["balance_security_id"]]["quantity"] == "25"
    # what is still open in the package equals the register's positions
    consumed = {t["security_id"] for t in transactions if t["object_type"] != "TX_STOCK_ISSUANCE"}
    open_units: dict[str, int] = {}
    for sid, t in issued.items():
        if sid not in consumed:
            open_units[t["stakeholder_id"]] = open_units.get(t["stakeholder_id"], 0) + int(t["quantity"])
    assert open_units == {f"investor-{k}": v for k, v in history.open_units().items()}


def test_bonds_and_funds_are_left_out_and_named(package, bond):
    files = read_package(package.body)
    comments = " ".join(files[MANIFEST]["comments"])
    assert f"Left out: {bond.name} ({bond.symbol}), a bond" in comments
    assert [c["name"] for c in files["StockClasses.ocf.json"]["items"]] == ["Sakura Robotics common stock (Common)"]
    assert package.summary["left_out"] == [bond.pk]


def test_stakeholders_have_names_and_no_email(package, register):
    register.alice.full_name = "Alice Tanaka"
    register.alice.save(update_fields=["full_name"])
    register.bob.full_name = ""                      # no name given: the export says who by id, not by e-mail
    register.bob.save(update_fields=["full_name"])
    files = read_package(ocf_package(issuer=register.security.issuer).body)
    stakeholders = {s["id"]: s for s in files["Stakeholders.ocf.json"]["items"]}
    assert stakeholders[f"investor-{register.alice.pk}"]["name"] == {"legal_name": "Alice Tanaka"}
    assert stakeholders[f"investor-{register.bob.pk}"]["name"] == {"legal_name": f"Investor {register.bob.pk}"}
    assert b"@example.test" not in b"".join(raw_files(package.body).values())


def test_the_same_register_exports_the_same_bytes(issuer, register):
    assert ocf_package(issuer=issuer).body == ocf_package(issuer=issuer).body


def test_an_issuer_without_equity_gets_a_valid_package_that_says_so(issuer, bond):
    package = ocf_package(issuer=issuer)
    files = read_package(package.body)
    assert [e for d in files.values() for e in schema_errors(d)] == []
    assert files["StockClasses.ocf.json"]["items"] == [] and _transactions(files) == []
    assert any("Nothing could be exported" in c for c in files[MANIFEST]["comments"])


def test_preferred_shares_and_transfer_restrictions(issuer, issuer_admin):
    security = equity_security(issuer=issuer, created_by=issuer_admin, share_class="Series A Preferred",
                               symbol="SKRA", authorized_shares=None, regulation="reg_s", blocked_countries=["US"],
                               lockup_until=date(2027, 1, 31), max_holders=50)
    files = read_package(ocf_package(issuer=issuer, security=security).body)
    (stock_class,) = files["StockClasses.ocf.json"]["items"]
    assert stock_class["class_type"] == "PREFERRED" and stock_class["initial_shares_authorized"] == "UNLIMITED"
    (legend,) = files["StockLegendTemplates.ocf.json"]["items"]
    assert all(part in legend["text"] for part in ("Regulation S", "2027-01-31", "At most 50 holders"))
    assert [e for d in files.values() for e in schema_errors(d)] == []


def test_a_bond_alone_is_not_forced_into_a_stock_class(issuer, issuer_admin):
    bond = SecurityFactory(issuer=issuer, created_by=issuer_admin)
    files = read_package(ocf_package(issuer=issuer, security=bond).body)
    assert files["StockClasses.ocf.json"]["items"] == []


def test_the_number_of_queries_does_not_grow_with_the_holders(issuer, issuer_admin, register):
    """A few queries per equity security, whatever the number of holders or lots."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ledger.services import tokens_issue

    from .factories import approved_investor

    with CaptureQueriesContext(connection) as before:
        ocf_package(issuer=issuer)
    for n in range(5):
        _user, (wallet,) = approved_investor(email=f"holder{n}@example.test")
        tokens_issue(security=register.security, wallet=wallet, amount=1 + n, actor=issuer_admin, reason="")
    with CaptureQueriesContext(connection) as after:
        files = read_package(ocf_package(issuer=issuer).body)
    assert len(files["Stakeholders.ocf.json"]["items"]) == 8

    def counted(capture):   # the business-date offset is cached for seconds: its reads come and go
        return [q for q in capture.captured_queries if "core_businessclock" not in q["sql"]]

    assert len(counted(after)) == len(counted(before)) <= 12
