"""Hostile input to every write of the register's API (issue 11, "inputs that crash or slip
through"): a body that is not a JSON object, ids that are not integers, amounts in other
scripts' digits or with separators, strings longer than their column, missing or unknown
fields. Each is a 4xx with the error body, and the register does not change."""

from __future__ import annotations

import json

import pytest

from issuance.models import Subscription
from ledger.models import ComplianceRequest, ControlBook, Position, TokenAction
from ledger.services import forced_transfer_request, tokens_issue

from .conftest import wallet_of

NOT_OBJECTS = [b"[]", b'"text"', b"1", b"null", b"{", b'[{"amount": "1"}]']
NOT_STRINGS = [5, 1.5, True, ["0x"], {"a": 1}, None]
BAD_AMOUNTS = ["²", "٣", "１", "1_000", "1,000", "1.0", "1e3", "-1", "+1", "0", " 5", "5 ", "0x10", "",
               "9" * 78, "NaN", "Infinity"]
BAD_IDS = ["abc", "5", {}, [], 1.5, True, 0, -1, 2**63, None]
RAW_BAD_IDS = ["1e400", "NaN", "Infinity", "1.0"]
BAD_ADDRESSES = ["nope", "0x" + "g" * 40, "0x" + "a" * 41, "0x" + "a" * 39, "0x" + "a" * 40 + "\n", "0x" + "a" * 5000,
                 "０x" + "a" * 40, "0x" + "a" * 39 + "\x00"]


@pytest.fixture
def register(bond, issuer_admin, investor_wallet, second_investor, compliance_officer, offering, verified_investor):
    """A bond with 10 units in the investor's wallet, a pending forced-transfer request and
    a ready-to-settle subscription: something for every write to change."""
    from issuance.tests.factories import SubscriptionFactory

    tokens_issue(security=bond, wallet=investor_wallet, amount=10, actor=issuer_admin, reason="")
    request = forced_transfer_request(security=bond, from_wallet=investor_wallet.address,
                                      to_wallet=wallet_of(second_investor).address, amount=1,
                                      reason="court order", actor=compliance_officer)
    subscription = SubscriptionFactory(offering=offering, investor=verified_investor, units=5, status="ready_to_settle")
    position = Position.objects.get(security=bond, wallet=investor_wallet.address)
    return {"bond": bond, "wallet": investor_wallet.address, "to": wallet_of(second_investor).address,
            "request": request, "subscription": subscription, "position": position}


def _state() -> tuple:
    return (
        list(TokenAction.objects.order_by("pk").values_list("pk", flat=True)),
        list(Position.objects.order_by("pk").values_list("wallet", "balance", "frozen", "wallet_frozen")),
        list(ControlBook.objects.order_by("pk").values_list("issued", "redeemed", "outstanding", "paused")),
        list(ComplianceRequest.objects.order_by("pk").values_list("status", "decided_by")),
        list(Subscription.objects.order_by("pk").values_list("status", flat=True)),
    )


def _refused(api, url: str, body: object, *, raw: bytes | None = None) -> None:
    content = raw if raw is not None else json.dumps(body).encode()
    response = api.post(url, data=content, content_type="application/json")
    assert 400 <= response.status_code < 500, (url, body, raw, response.status_code, response.content[:300])
    error = response.json()["error"]
    assert error["code"] and error["message"], (url, body, raw)


def _hostile_bodies(valid: dict, *, amounts: tuple = (), ids: tuple = (), addresses: tuple = (),
                    strings: tuple = ("reason",)) -> list[dict]:
    """`valid` with one field at a time replaced by something its schema does not allow, each
    required field left out, and an unknown field added."""
    bodies = [{**valid, "idempotency_key": "k-1"}, {**valid, "extra": "x"}]
    bodies += [{k: v for k, v in valid.items() if k != key} for key in valid if key != "reason"]
    for key in amounts:
        bodies += [{**valid, key: bad} for bad in [*BAD_AMOUNTS, *NOT_STRINGS, 10, 2**256]]
    for key in ids:
        bodies += [{**valid, key: bad} for bad in BAD_IDS]
    for key in addresses:
        bodies += [{**valid, key: bad} for bad in [*BAD_ADDRESSES, *NOT_STRINGS]]
    for key in strings:
        bodies += [{**valid, key: bad} for bad in [*NOT_STRINGS[:-1], "x" * 2001, "nul\x00"]]
    return bodies


def _check_write(api, url: str, valid: dict, **fields) -> None:
    before = _state()
    for raw in NOT_OBJECTS:
        _refused(api, url, None, raw=raw)
    for body in _hostile_bodies(valid, **fields):
        _refused(api, url, body)
    for key in fields.get("ids", ()):
        for number in RAW_BAD_IDS:
            raw = json.dumps({**valid, key: "__N__"}).replace('"__N__"', number).encode()
            _refused(api, url, None, raw=raw)
    assert _state() == before


def _security_url(register: dict, op: str) -> str:
    return f"/api/ledger/securities/{register['bond'].pk}/{op}/"


def test_issue(api, register, issuer_admin):
    api.force_authenticate(issuer_admin)
    _check_write(api, _security_url(register, "issue"), {"wallet": register["wallet"], "amount": "1"},
                 amounts=("amount",), addresses=("wallet",))


def test_issue_with_a_bad_idempotency_key_header(api, register, issuer_admin):
    api.force_authenticate(issuer_admin)
    before = _state()
    for key in ["", "x" * 129, "with space", "キー", "tab\tkey"]:
        response = api.post(_security_url(register, "issue"), {"wallet": register["wallet"], "amount": "1"},
                            format="json", HTTP_IDEMPOTENCY_KEY=key)
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_idempotency_key"
    assert _state() == before


def test_transfer(api, register, issuer_admin):
    api.force_authenticate(issuer_admin)
    _check_write(api, _security_url(register, "transfer"),
                 {"from_wallet": register["wallet"], "to_wallet": register["to"], "amount": "1"},
                 amounts=("amount",), addresses=("from_wallet", "to_wallet"))


@pytest.mark.parametrize("op", ["redeem", "freeze_tokens", "unfreeze_tokens"])
def test_wallet_amount_controls(api, register, issuer_admin, op):
    api.force_authenticate(issuer_admin)
    _check_write(api, _security_url(register, op), {"wallet": register["wallet"], "amount": "1", "reason": "r"},
                 amounts=("amount",), addresses=("wallet",))


@pytest.mark.parametrize("op", ["freeze_wallet", "unfreeze_wallet"])
def test_wallet_controls(api, register, issuer_admin, op):
    api.force_authenticate(issuer_admin)
    _check_write(api, _security_url(register, op), {"wallet": register["wallet"], "reason": "r"},
                 addresses=("wallet",))


@pytest.mark.parametrize("op", ["pause", "unpause"])
def test_pause_controls(api, register, issuer_admin, op):
    api.force_authenticate(issuer_admin)
    _check_write(api, _security_url(register, op), {"reason": "r"})


def test_settle(api, register, issuer_admin):
    api.force_authenticate(issuer_admin)
    url = "/api/ledger/settle/"
    valid = {"subscriptions": [register["subscription"].pk]}
    _check_write(api, url, valid, strings=())
    before = _state()
    for bad in [[], "all", [register["subscription"].pk] * 501, *[[bad] for bad in BAD_IDS], {"0": 1}]:
        _refused(api, url, {"subscriptions": bad})
    _refused(api, url, None, raw=b'{"subscriptions": [1e400]}')
    assert _state() == before


def test_holding_transfer(api, register, verified_investor):
    api.force_authenticate(verified_investor)
    _check_write(api, f"/api/ledger/holdings/{register['position'].pk}/transfer/",
                 {"to_wallet": register["to"], "amount": "1"}, amounts=("amount",), addresses=("to_wallet",),
                 strings=())


def test_compliance_request(api, register, compliance_officer):
    api.force_authenticate(compliance_officer)
    valid = {"kind": "forced_transfer", "security": register["bond"].pk, "from_wallet": register["wallet"],
             "to_wallet": register["to"], "amount": "1", "reason": "court order"}
    _check_write(api, "/api/ledger/requests/", valid, amounts=("amount",), ids=("security",),
                 addresses=("from_wallet", "to_wallet"))
    before = _state()
    for body in [{**valid, "kind": "other"}, {**valid, "kind": 1}, {**valid, "kind": "recover"}]:
        _refused(api, "/api/ledger/requests/", body)
    assert _state() == before


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_compliance_decision(api, register, second_officer, decision):
    api.force_authenticate(second_officer)
    _check_write(api, f"/api/ledger/requests/{register['request'].pk}/{decision}/", {"reason": "checked"})


@pytest.mark.parametrize("path", [
    "securities/abc/issue/", "securities/%7B%7D/issue/", "securities/1e400/issue/", "securities/-1/issue/",
    "securities/99999999999999999999999/issue/", "holdings/abc/transfer/", "holdings/99999999999999999999999/transfer/",
    "requests/abc/approve/", "requests/99999999999999999999999/reject/", "securities/1/unknown_op/",
])
def test_a_path_id_that_is_not_a_known_number_is_a_404_with_the_error_body(api, register, issuer_admin,
                                                                           second_officer, path):
    # the requests desk is the officers': anyone else gets 403 for every id (accounts.access)
    api.force_authenticate(second_officer if path.startswith("requests/") else issuer_admin)
    before = _state()
    response = api.post(f"/api/ledger/{path}", {"wallet": register["wallet"], "amount": "1"}, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"]
    assert _state() == before


@pytest.mark.parametrize("query", ["as_of=2026-13-45", "as_of=%00", "as_of=abc", "as_of=２０２６-01-01"])
def test_cap_table_bad_date(api, register, issuer_admin, query):
    api.force_authenticate(issuer_admin)
    response = api.get(f"/api/ledger/securities/{register['bond'].pk}/cap-table/?{query}")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("query", ["status=%00", "status=bogus"])
def test_request_list_bad_status(api, register, compliance_officer, query):
    api.force_authenticate(compliance_officer)
    response = api.get(f"/api/ledger/requests/?{query}")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_filter"
