"""Every API write operation in the OpenAPI schema gets the hostile inputs of the outside review
(issue 11, "Inputs that crash or slip through") and answers with a 4xx and the error body
{"error": {"code", "message", ...}}, never a 500.

The operations come from /api/schema/ (tests/conftest.py), so a new endpoint is covered without an
entry here; ROLE says which persona may use each one (a prefix table: an unknown prefix fails
test_every_write_operation_has_a_role) and path ids point at objects that persona may act
on, so the body is really parsed rather than refused by a 404 first. For each operation:

* bodies that are not JSON objects ([], a string, a number, null, malformed JSON);
* for each field of the request schema (nested objects too), one hostile value at a time in
  an otherwise plausible body: lists and objects for scalars, 10,000-character strings, NUL,
  "NaN", "1e400", 10**30, "²", "1_000", booleans. A value the schema does not allow for that
  field (wrong type, over maxLength) must be a 4xx; any other must not be a 5xx;
* path ids that are not ids ("abc", "1e400", "²", 10**26).

Reads get the same for their query parameters (NUL in a filter was a database error).
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from django.test import Client

from conftest import totp_now

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")
#: Who may use an operation, by path prefix (the longest matching prefix wins).
ROLE = {
    "/api/auth/": "verified_investor",
    "/api/accounts/invitations/": "verified_investor",
    "/api/accounts/organizations/": "issuer_admin",
    "/api/cash/": "verified_investor",
    "/api/cash/trust/": "cash_agent",
    "/api/cash/treasury/": "issuer_admin",
    "/api/chain/": "operator",
    "/api/compliance/kyc/": "verified_investor",
    "/api/compliance/reviews/": "compliance_officer",
    "/api/investors/": "verified_investor",
    "/api/issuance/": "issuer_admin",
    "/api/issuance/issuers/": "compliance_officer",
    "/api/issuance/market/": "verified_investor",
    "/api/issuance/my-subscriptions/": "verified_investor",
    "/api/ledger/": "issuer_admin",
    "/api/ledger/holdings/": "verified_investor",
    "/api/ledger/requests/": "compliance_officer",
    "/api/ledger/offers/": "verified_investor",
    "/api/ledger/settlements/": "verified_investor",
    "/api/ledger/subscriptions/": "verified_investor",
    "/api/servicing/": "issuer_admin",
    "/api/webhooks/": "operator",
}
#: Operations left out, each with its reason.
SKIP: dict[str, str] = {}

LONG = "x" * 10_000
HOSTILE = [["a"], LONG, "a\x00b", "NaN", "1e400", 10**30, "²", "1_000", True, -1, "١٢"]
NOT_OBJECTS = [b"[]", b'"x"', b"1", b"null", b"{", b'[{"a": 1}]']
BAD_IDS = ["abc", "1e400", quote("²"), str(10**26), "-1"]


def _role(path: str) -> str | None:
    matches = [prefix for prefix in ROLE if path.startswith(prefix)]
    return ROLE[max(matches, key=len)] if matches else None


def _operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [(path, method, op) for path, ops in schema["paths"].items() for method, op in ops.items()
            if method in WRITE_METHODS and f"{method.upper()} {path}" not in SKIP]


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in node and len(node["allOf"]) == 1:
        return _resolve(schema, node["allOf"][0])
    return node


def _plausible(schema: dict, node: dict):
    """A value of the right shape for `node` (not necessarily one the service accepts)."""
    node = _resolve(schema, node)
    if "enum" in node:
        return next((v for v in node["enum"] if v not in ("", None)), node["enum"][0])
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        return {name: _plausible(schema, sub) for name, sub in node.get("properties", {}).items()
                if not sub.get("readOnly")}
    if kind == "array":
        return []
    if kind == "integer":
        return 1
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if node.get("format") == "date":
        return "2026-05-01"
    if node.get("pattern"):
        return "1"
    return "plausible"


def _must_refuse(node: dict, value) -> bool:
    """True when the schema of the field does not allow `value` at all."""
    kind = node.get("type")
    if kind == "string":
        if not isinstance(value, str):
            return True
        if "\x00" in value or ("maxLength" in node and len(value) > node["maxLength"]):
            return True
        if "enum" in node and value not in node["enum"]:
            return True
        return bool(node.get("pattern")) and not re.fullmatch(node["pattern"].strip("^$"), value, re.ASCII)
    if kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            return True
        return ("maximum" in node and value > node["maximum"]) or ("minimum" in node and value < node["minimum"])
    if kind == "boolean":
        return not isinstance(value, bool)
    if kind in ("array", "object"):
        return not isinstance(value, list if kind == "array" else dict)
    return False


#: Valid bodies for the operations whose generated plausible body would be refused as a
#: whole (so a hostile value in one field meets valid values in the others).
BASES = {
    "POST /api/issuance/securities/": lambda w: {
        "kind": "bond", "name": "Hostile Bond", "symbol": "HB1", "currency": "JPY", "regulation": "none",
        "terms": {"face_value": "100000", "coupon_rate": "1.5", "coupon_frequency": "annual", "day_count": "ACT/365F",
                  "issue_date": "2026-04-01", "maturity_date": "2031-03-31"},
        "rules": {"max_holders": 10, "min_holding": "1", "max_holding": "100", "accredited_only": False}},
    "POST /api/issuance/offerings/": lambda w: {
        "security": w["bond"].pk, "title": "Hostile offering", "currency": "JPY", "price": "100000",
        "min_subscription": "1", "max_subscription": "10", "target": "50", "hard_cap": "100",
        "opens_on": "2026-05-01", "closes_on": "2026-06-30"},
    "PATCH /api/investors/profile/": lambda w: {
        "kind": "person", "legal_name": "Taro Yamada", "birth_date": "1980-01-01", "nationality": "JP",
        "residence_country": "JP", "tax_residency": "JP"},
    "POST /api/issuance/market/{id}/subscribe/": lambda w: {"units": "1"},
}


def _hostile_bodies(schema: dict, body_schema: dict, base: dict | None = None):
    """(description, body, must_refuse) for one hostile value at a time in a plausible body."""
    root = _resolve(schema, body_schema)
    base = _plausible(schema, root) if base is None else base

    def walk(node: dict, trail: tuple):
        for name, sub in node.get("properties", {}).items():
            sub = _resolve(schema, sub)
            if sub.get("readOnly"):
                continue
            for value in HOSTILE:
                body = json.loads(json.dumps(base))
                target = body
                for step in trail:
                    target = target.setdefault(step, {})
                target[name] = value
                yield ".".join((*trail, name)), body, _must_refuse(sub, value)
            if sub.get("type") == "object" or "properties" in sub:
                yield from walk(sub, (*trail, name))

    yield from walk(root, ())


def _sign_in(user) -> Client:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.tests.factories import PASSWORD

    client = Client()
    client.post("/accounts/login/", {"email": user.email, "password": PASSWORD})
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        client.post("/accounts/2fa/verify/", {"token": totp_now(device)})
    return client


@pytest.fixture
def world(settings, tmp_path, issuer_org, issuer_admin, compliance_officer, operator, verified_investor):
    from chain.tests.factories import BreakFactory
    from compliance.tests.factories import KycReviewFactory
    from investors.tests.factories import InvestorProfileFactory
    from issuance.tests.factories import IssuerFactory, OfferingFactory, SecurityFactory, SubscriptionFactory

    settings.ISSUANCE_DOCUMENT_ROOT = tmp_path / "issuance-docs"
    settings.MEDIA_ROOT = tmp_path / "media"
    issuer = IssuerFactory(organization=issuer_org)
    bond = SecurityFactory(issuer=issuer, created_by=issuer_admin, symbol="HOSTILE")
    offering = OfferingFactory(security=bond)
    return {
        "bond": bond, "offering": offering,
        "draft": OfferingFactory(security=bond, status="draft", documents=False),
        "sub": SubscriptionFactory(offering=offering, investor=verified_investor, units=2, status="signed"),
        "pending_issuer": IssuerFactory(status="submitted"),
        "review": KycReviewFactory(profile=InvestorProfileFactory(kyc_status="submitted")),
        "break": BreakFactory(security=bond),
    }


def _path(path: str, method: str, w: dict) -> str:
    """The operation's URL with ids of objects its persona may act on."""
    ids = {
        "/api/chain/breaks/": w["break"].pk, "/api/compliance/reviews/": w["review"].pk,
        "/api/issuance/issuers/": w["pending_issuer"].pk, "/api/issuance/market/": w["offering"].pk,
        "/api/issuance/my-subscriptions/": w["sub"].pk, "/api/issuance/subscriptions/": w["sub"].pk,
        "/api/issuance/offerings/": w["draft"].pk if method == "patch" or "documents" in path else w["offering"].pk,
        "/api/ledger/securities/": w["bond"].pk, "/api/ledger/subscriptions/": w["sub"].pk,
    }
    pk = next((v for prefix, v in ids.items() if path.startswith(prefix)), 1)
    return _fill(path.replace("{id}", str(pk)))


def _fill(path: str) -> str:
    """Path words other than ids: the refusing variant of each action (it takes a reason)."""
    action = "reject" if "/subscriptions/" in path else "cancel"
    return path.replace("{decision}", "reject").replace("{action}", action)


def _check(failures: list, label: str, response, *, refuse: bool) -> None:
    status = response.status_code
    if status >= 500:
        failures.append(f"{label}: {status}")
        return
    if refuse and not 400 <= status < 500:
        failures.append(f"{label}: {status}, expected a 4xx")
        return
    if 400 <= status < 500:
        try:
            error = response.json()["error"]
            assert error["code"] and isinstance(error["message"], str)
        except (ValueError, KeyError, TypeError, AssertionError):
            failures.append(f"{label}: {status} without the error body: {response.content[:120]!r}")


def test_every_write_operation_has_a_role(openapi_document):
    missing = [f"{m.upper()} {p}" for p, m, _ in _operations(openapi_document) if _role(p) is None]
    assert not missing, f"add these to ROLE: {missing}"


def test_hostile_input_to_every_api_write_is_a_4xx_with_the_error_body(request, world, openapi_document):
    schema = openapi_document
    clients: dict[str, Client] = {}
    failures: list[str] = []
    for path, method, op in _operations(schema):
        role = _role(path)
        if role not in clients:
            clients[role] = _sign_in(request.getfixturevalue(role))
        client = clients[role]
        url = _path(path, method, world)
        send = getattr(client, method)
        content = op.get("requestBody", {}).get("content", {})
        name = f"{method.upper()} {path}"
        for raw in NOT_OBJECTS:
            _check(failures, f"{name} body {raw!r}", send(url, raw, content_type="application/json"), refuse=True)
        if "application/json" in content:
            base = BASES[name](world) if name in BASES else None
            for field, body, refuse in _hostile_bodies(schema, content["application/json"]["schema"], base):
                response = send(url, json.dumps(body), content_type="application/json")
                _check(failures, f"{name} {field}={str(body)[:60]!r}", response, refuse=refuse)
        if "multipart/form-data" in content:
            for value in ("", LONG, "a\x00b", "²"):
                response = send(url, {"kind": value, "file": value})
                _check(failures, f"{name} multipart kind/file={value[:10]!r}", response, refuse=True)
        if "{id}" in path:
            for bad in BAD_IDS:
                bad_url = _fill(path.replace("{id}", bad))
                _check(failures, f"{name} id={bad[:12]}", send(bad_url, b"{}", content_type="application/json"),
                       refuse=True)
    assert not failures, "\n".join(failures)


def test_hostile_query_parameters_to_every_api_read_are_never_a_5xx(request, world, openapi_document):
    schema = openapi_document
    clients: dict[str, Client] = {}
    failures: list[str] = []
    for path, ops in schema["paths"].items():
        op = ops.get("get")
        params = [p["name"] for p in (op or {}).get("parameters", [])
                  if p.get("in") == "query" and p["name"] != "format"]
        role = _role(path) or "verified_investor"
        if not params:
            continue
        if role not in clients:
            clients[role] = _sign_in(request.getfixturevalue(role))
        url = _path(path, "get", world)
        for name in params:
            for value in ("a\x00b", LONG, "²", "1e400", str(10**30)):
                response = clients[role].get(url, {name: value})
                _check(failures, f"GET {path} ?{name}={value[:10]!r}", response, refuse=False)
    assert not failures, "\n".join(failures)
