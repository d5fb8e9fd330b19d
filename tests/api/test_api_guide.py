"""docs/api.md's worked examples, run as they are written.

Each ```http example=<name>``` block of the guide is one exchange: a request (method and path,
headers, a blank line, a body) and, from its `HTTP/1.1 <status>` line, the answer it must get
(headers, a blank line, a body). The blocks of one example run in order through the real URL
conf with Django's test client, sending exactly the headers the guide shows (the token
credential, Idempotency-Key, Content-Type). Placeholders: `{{name}}` is a value of the
example's world (set up below from the personas and factories) or one captured earlier; in an
expected body `"<name>"` matches any value and captures it, `"...": "..."` allows more keys in
an object and a last `"..."` more items in a list; everything else must be equal.

The guide must have an example for every role, and every http block must parse: a block the
test cannot read fails it rather than being skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.test import Client

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "api.md"
ROLES = ("investor", "issuer_admin", "compliance_officer", "operator", "cash_agent")

MORE = "..."
_FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.M | re.S)
_STATUS = re.compile(r"^HTTP/1\.1 (\d{3})(?: .*)?$")
_REQUEST = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (/\S*)(?: HTTP/1\.1)?$")
_HEADER = re.compile(r"^([A-Za-z0-9-]+): ?(.*)$")
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_CAPTURE = re.compile(r"^<(\w+)>$")


class GuideError(Exception):
    """A block of the guide that does not follow the format."""


@dataclass
class Exchange:
    example: str
    line: int                       # where the block starts in docs/api.md (for messages)
    method: str
    path: str
    headers: dict[str, str]
    body: str
    status: int
    response_headers: dict[str, str]
    response_body: str = field(default="")


def _headers(lines: list[str], where: str) -> dict[str, str]:
    headers = {}
    for text in lines:
        match = _HEADER.match(text)
        if match is None:
            raise GuideError(f"{where}: not a header line: {text!r}")
        headers[match[1]] = match[2].strip()
    return headers


def _split_head(lines: list[str]) -> tuple[list[str], str]:
    """Header lines up to the first blank line, and the body after it."""
    if "" in lines:
        cut = lines.index("")
        return lines[:cut], "\n".join(lines[cut + 1:]).strip()
    return lines, ""


def _exchange(example: str, line: int, text: str) -> Exchange:
    where = f"docs/api.md:{line} (example {example})"
    lines = [raw.rstrip() for raw in text.strip("\n").split("\n")]
    answers = [i for i, raw in enumerate(lines) if _STATUS.match(raw)]
    if len(answers) != 1:
        raise GuideError(f"{where}: needs exactly one 'HTTP/1.1 <status>' line, found {len(answers)}")
    request, response = lines[:answers[0]], lines[answers[0]:]
    while request and not request[-1]:
        request.pop()
    if not request:
        raise GuideError(f"{where}: no request before the answer")
    start = _REQUEST.match(request[0])
    if start is None:
        raise GuideError(f"{where}: the first line must be '<METHOD> /path', not {request[0]!r}")
    head, body = _split_head(request[1:])
    response_head, response_body = _split_head(response[1:])
    return Exchange(example=example, line=line, method=start[1], path=start[2], headers=_headers(head, where),
                    body=body, status=int(_STATUS.match(response[0])[1]),
                    response_headers=_headers(response_head, where), response_body=response_body)


def parse_guide(text: str) -> dict[str, list[Exchange]]:
    """{example name: its exchanges in order}; GuideError for an http block that does not parse."""
    examples: dict[str, list[Exchange]] = {}
    for fence in _FENCE.finditer(text):
        info = fence[1].split()
        if not info or info[0] != "http":
            continue
        line = text.count("\n", 0, fence.start()) + 1
        names = [item.removeprefix("example=") for item in info[1:] if item.startswith("example=")]
        if len(names) != 1 or not re.fullmatch(r"\w+", names[0]):
            raise GuideError(f"docs/api.md:{line}: an http block needs one example=<name> in its info string")
        examples.setdefault(names[0], []).append(_exchange(names[0], line, fence[2]))
    return examples


def _example_names() -> list[str]:
    """The examples the guide names (read leniently at collection; the strict parse is a test)."""
    found = re.findall(r"^```http\b[^\n]*\bexample=(\w+)", GUIDE.read_text(encoding="utf-8"), re.M)
    return list(dict.fromkeys(found))


# --- matching an answer against the guide's --------------------------------------------------

def match(expected, actual, captured: dict, where: str = "body") -> None:
    """Assert `actual` is what `expected` (from the guide) describes; captures "<name>" values."""
    if isinstance(expected, str) and (capture := _CAPTURE.match(expected)):
        captured[capture[1]] = actual
        return
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        more = expected.get(MORE) == MORE
        keys = [k for k in expected if not (more and k == MORE)]
        missing = [k for k in keys if k not in actual]
        assert not missing, f"{where}: missing keys {missing} in {sorted(actual)}"
        if not more:
            extra = sorted(set(actual) - set(keys))
            assert not extra, f"{where}: keys the guide does not show {extra} (add \"...\": \"...\" if intended)"
        for key in keys:
            match(expected[key], actual[key], captured, f"{where}.{key}")
        return
    if isinstance(expected, list):
        assert isinstance(actual, list), f"{where}: expected a list, got {actual!r}"
        more = bool(expected) and expected[-1] == MORE
        items = expected[:-1] if more else expected
        if more:
            assert len(actual) >= len(items), f"{where}: {len(actual)} items, the guide shows {len(items)}"
        else:
            assert len(actual) == len(items), f"{where}: {len(actual)} items, the guide shows {len(items)}: {actual}"
        for i, item in enumerate(items):
            match(item, actual[i], captured, f"{where}[{i}]")
        return
    assert type(expected) is type(actual) and expected == actual, f"{where}: expected {expected!r}, got {actual!r}"


def substitute(text: str, values: dict, where: str) -> str:
    def value(found: re.Match) -> str:
        name = found[1]
        if name not in values:
            raise GuideError(f"{where}: unknown placeholder {{{{{name}}}}} (known: {sorted(values)})")
        item = values[name]
        item = item() if callable(item) else item
        text = str(item)
        if '"' in text or "\\" in text:
            raise GuideError(f"{where}: {{{{{name}}}}} holds a quote or backslash and cannot be placed in JSON")
        return text

    return _PLACEHOLDER.sub(value, text)


def run_exchange(client: Client, exchange: Exchange, values: dict) -> None:
    where = f"docs/api.md:{exchange.line} ({exchange.method} {exchange.path}, example {exchange.example})"
    path = substitute(exchange.path, values, where)
    headers = {name: substitute(v, values, where) for name, v in exchange.headers.items()}
    content_type = headers.pop("Content-Type", "application/octet-stream")
    body = substitute(exchange.body, values, where).encode()
    response = client.generic(exchange.method, path, data=body, content_type=content_type, headers=headers)
    shown = response.content[:2000].decode(errors="replace")
    assert response.status_code == exchange.status, f"{where}: status {response.status_code}, body {shown}"
    for name, wanted in exchange.response_headers.items():
        wanted = substitute(wanted, values, where)
        assert name in response.headers, f"{where}: no {name} header in the answer"
        capture = _CAPTURE.match(wanted)
        if capture:
            values[capture[1]] = response.headers[name]
        else:
            assert response.headers[name] == wanted, f"{where}: {name}: {response.headers[name]!r}"
    if not exchange.response_body:
        assert not response.content.strip(), f"{where}: the guide shows no body, the answer has {shown}"
        return
    expected = json.loads(substitute(exchange.response_body, values, where))
    assert response.get("Content-Type", "").startswith("application/json"), f"{where}: not JSON: {shown}"
    match(expected, response.json(), values, where)


# --- the world each example starts from ------------------------------------------------------

def _otp(user) -> Callable[[], str]:
    """The person's authenticator code at the moment a block is sent."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from conftest import totp_now

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return lambda: totp_now(device)


def _person(user) -> dict:
    from accounts.tests.factories import PASSWORD

    values = {"email": user.email, "password": PASSWORD}
    if user.requires_two_factor:
        values["otp_code"] = _otp(user)
    return values


def _sakura_offering(request):
    from issuance.tests.factories import IssuerFactory, OfferingFactory, SecurityFactory

    issuer = IssuerFactory(organization=request.getfixturevalue("issuer_org"))
    bond = SecurityFactory(issuer=issuer, created_by=request.getfixturevalue("issuer_admin"),
                           name="Sakura Green Bond 2031", symbol="SGB31")
    return OfferingFactory(security=bond, title="Sakura Green Bond 2031 offering")


def world_investor(request) -> dict:
    investor = request.getfixturevalue("verified_investor")
    return {**_person(investor), "offering_id": _sakura_offering(request).pk}


def world_issuer_admin(request) -> dict:
    from issuance.models import Subscription
    from issuance.tests.factories import SubscriptionFactory

    offering = _sakura_offering(request)
    subscription = SubscriptionFactory(offering=offering, investor=request.getfixturevalue("verified_investor"),
                                       units=5, status=Subscription.Status.SIGNED)
    return {**_person(request.getfixturevalue("issuer_admin")), "offering_id": offering.pk,
            "subscription_id": subscription.pk}


def world_compliance_officer(request) -> dict:
    from compliance.tests.factories import KycReviewFactory

    review = KycReviewFactory()
    return {**_person(request.getfixturevalue("compliance_officer")), "review_id": review.pk,
            "investor_email": review.profile.user.email}


def world_operator(request) -> dict:
    from chain.tests.factories import BreakFactory

    brk = BreakFactory()
    # The guide's receiver, oncall.example.com, resolves to a public address (no DNS in the test).
    from webhooks import targets

    real_resolve = targets.resolve
    request.getfixturevalue("monkeypatch").setattr(
        targets, "resolve", lambda host, port: ["93.184.215.14"] if host == "oncall.example.com"
        else real_resolve(host, port))
    return {**_person(request.getfixturevalue("operator")), "break_id": brk.pk, "security_id": brk.security_id}


def world_cash_agent(request) -> dict:
    from decimal import Decimal

    from cash import services

    agent = request.getfixturevalue("cash_agent")
    investor = request.getfixturevalue("verified_investor")
    services.cash_token_create(currency="JPY", actor=agent)
    deposit = services.deposit_request(holder=investor, currency="JPY", amount=Decimal("250000"), actor=investor)
    return {**_person(agent), "deposit_id": deposit.pk, "deposit_reference": deposit.reference}


def world_clients(request) -> dict:
    from issuance.models import Subscription
    from issuance.tests.factories import OfferingFactory, SubscriptionFactory

    investor = request.getfixturevalue("verified_investor")
    offering = _sakura_offering(request)
    for status in (Subscription.Status.PENDING, Subscription.Status.SIGNED, Subscription.Status.CANCELLED):
        SubscriptionFactory(offering=offering, investor=investor, units=1, status=status)
    return {**_person(investor), "other_offering_id": OfferingFactory(title="Fuji Foods offering").pk}


WORLDS: dict[str, Callable[[pytest.FixtureRequest], dict]] = {
    "investor": world_investor,
    "issuer_admin": world_issuer_admin,
    "compliance_officer": world_compliance_officer,
    "operator": world_operator,
    "cash_agent": world_cash_agent,
    "clients": world_clients,
}


# --- the tests -----------------------------------------------------------------------------

def test_the_guide_parses_and_has_an_example_for_every_role():
    examples = parse_guide(GUIDE.read_text(encoding="utf-8"))
    missing = [role for role in ROLES if role not in examples]
    assert not missing, f"docs/api.md has no worked example for {missing}"
    unknown = sorted(set(examples) - set(WORLDS))
    assert not unknown, f"examples without a world in tests/api/test_api_guide.py: {unknown}"
    for exchanges in examples.values():
        for exchange in exchanges:
            json_bodies = [exchange.response_body] if exchange.response_body else []
            if exchange.headers.get("Content-Type") == "application/json":
                json_bodies.append(exchange.body)
            for body in json_bodies:   # JSON once placeholders are filled (numbers stand in for ids)
                try:
                    json.loads(_PLACEHOLDER.sub("0", body))
                except ValueError as error:
                    raise GuideError(f"docs/api.md:{exchange.line}: a body is not JSON: {error}") from None


def test_the_matcher_reads_the_markers():
    captured: dict = {}
    match({"a": 1, "b": "<b>", MORE: MORE}, {"a": 1, "b": [2], "c": 3}, captured)
    assert captured == {"b": [2]}
    match({"items": [{"id": 1, MORE: MORE}, MORE]}, {"items": [{"id": 1, "x": 0}, {"id": 2}]}, captured)
    for expected, actual in [({"a": 1}, {"a": 1, "b": 2}), ({"a": 1}, {"a": "1"}), ([1], [1, 2]),
                             ({"a": True}, {"a": 1}), ({"a": 1, MORE: MORE}, {"b": 1})]:
        with pytest.raises(AssertionError):
            match(expected, actual, {})
    with pytest.raises(GuideError):
        parse_guide("```http example=x\nGET /api/me/\n```\n")       # no answer
    with pytest.raises(GuideError):
        parse_guide("```http\nGET /api/me/\n\nHTTP/1.1 200 OK\n```\n")   # no example name


@pytest.mark.django_db
@pytest.mark.parametrize("name", _example_names())
def test_worked_example(name, request, settings, tmp_path):
    settings.ISSUANCE_DOCUMENT_ROOT = tmp_path / "issuance-docs"
    from core.clock import business_today

    exchanges = parse_guide(GUIDE.read_text(encoding="utf-8"))[name]
    values = {"today": business_today().isoformat(), **WORLDS[name](request)}
    client = Client()
    for exchange in exchanges:
        run_exchange(client, exchange, values)


# --- the guide's signature check, as a receiver would paste it --------------------------------

def guide_signature_check() -> Callable[..., bool]:
    """The ```python block of docs/api.md that defines shoken_signature_ok, executed."""
    blocks = [fence[2] for fence in _FENCE.finditer(GUIDE.read_text(encoding="utf-8"))
              if fence[1].split()[:1] == ["python"] and "def shoken_signature_ok" in fence[2]]
    assert len(blocks) == 1, "docs/api.md must show one shoken_signature_ok snippet"
    namespace: dict = {}
    exec(compile(blocks[0], str(GUIDE), "exec"), namespace)   # our own documentation's code
    return namespace["shoken_signature_ok"]


def test_the_guides_signature_check_accepts_what_the_spec_signs_and_nothing_else():
    import hashlib
    import hmac

    verify = guide_signature_check()
    secret, stamp = "whsec_guide-test", 1796212800
    body = b'{"id": "5f0c1e9a", "type": "break.found", "data": {"break": 1}}'
    good = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert verify(secret, body, f"t={stamp},v1={good}", now=stamp + 10)
    assert verify(secret, body, f"t={stamp},v1={'0' * 64},v1={good}", now=stamp)    # a rotation's overlap
    assert not verify(secret, body + b" ", f"t={stamp},v1={good}", now=stamp)      # body changed
    assert not verify("whsec_other", body, f"t={stamp},v1={good}", now=stamp)      # another secret
    assert not verify(secret, body, f"t={stamp},v1={good}", now=stamp + 301)       # an old capture
    assert not verify(secret, body, f"t={stamp + 1},v1={good}", now=stamp)         # timestamp changed
    assert not verify(secret, body, f"t={stamp}", now=stamp)                       # no signature
    assert not verify(secret, body, f"v1={good}", now=stamp)                       # no timestamp


def test_the_guides_signature_check_accepts_the_platforms_deliveries():
    signing = pytest.importorskip("webhooks.signing")
    verify = guide_signature_check()
    body, stamp = b'{"created":"2026-12-02T12:00:00Z","data":{},"id":"x","organization":null,"type":"kyc.decided"}', 1
    header = signing.signature_header(["whsec_new", "whsec_previous"], stamp, body)   # during a rotation
    assert verify("whsec_new", body, header, now=stamp) and verify("whsec_previous", body, header, now=stamp)
    assert not verify("whsec_other", body, header, now=stamp)
