"""The machinery of the hostile-input page tests (issue 11, "Inputs that crash or slip
through"), split by app into tests/security/test_hostile_pages_{accounts,issuance,ledger,webhooks}.py:
every HTML page gets the hostile inputs and answers with a 4xx or the page again with an
error, never a 500, and writes nothing.

The pages are a maintained list per app (each module's FORMS, NO_INPUT, READ_ONLY and
STR_SEGMENTS), checked against the URL conf by tests/security/test_hostile_pages.py: a new
page without an entry fails test_every_page_is_listed. A form case names the persona allowed
to use it, a submission that would be valid, and for each field the hostile values that must
be refused there; each value is sent in place of the valid one, one at a time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import force_login_verified

NUL = "1\x00"
LONG = "9" * 10_000
#: Not a number a page may take: other scripts' digits, separators, signs, specials, huge.
NOT_A_NUMBER = ["abc", "²", "١٢", "1_000", "1,000", "NaN", "inf", "-inf", "1e400", "-1", "0x10", LONG, NUL, "１²",
                ["1", "²"]]  # a list where a scalar belongs: a form reads its last value
#: ...and, where the column is an integer, too large for it.
NOT_AN_ID = [*NOT_A_NUMBER, str(10**30), "{}", "1.5"]
NUL_TEXT = ["a\x00b"]
TOO_LONG = ["x" * 10_000, "a\x00b"]
NOT_A_CHOICE = ["nope", "a\x00b", "x" * 10_000]
NOT_A_DATE = ["2026-02-30", "abc", "a\x00b", "9" * 10_000, "+275760-09-13"]
NOT_AN_EMAIL = ["a" * 250 + "@example.test", "x" * 10_000 + "@example.test", "a\x00b@example.test", "not-an-email"]
NOT_A_WALLET = ["0x" + "g" * 40, "0x" + "1" * 10_000, "0x\x00", "²"]
WALLET = "0x" + "4" * 40

APPS = ["accounts", "notifications", "investors", "compliance", "issuance", "ledger", "cash", "servicing", "chain",
        "core", "webhooks"]
UNFINGERPRINTED = {"core_auditevent"}   # a refusal may be audited (access_denied, sign-in failed)


@dataclass
class Case:
    persona: str                                   # a conftest persona fixture, or "" for anonymous
    args: Callable[[dict], list] = lambda w: []
    data: Callable[[dict], dict] = lambda w: {}
    hostile: dict[str, list] = field(default_factory=dict)
    prime: Callable[[dict], str] | None = None     # a URL to GET first (e.g. a reset link)
    accepted: bool = True                          # the valid submission goes through (checked last)


HOSTILE_QUERIES = [
    {"status": "\x00", "as_of": "\x00", "challenge": "\x00", "country": "\x00", "risk": "\x00", "min_age_days": "\x00",
     "next": "\x00", "page": "\x00"},
    {"status": "x" * 10_000, "as_of": "²０２６-01-01", "challenge": "²", "min_age_days": "١٢", "risk": ["a", "b"],
     "page": str(10**30)},
    {"challenge": str(10**30), "min_age_days": "1e400", "as_of": "+275760-09-13", "status": "all\x00"},
]


def page_names() -> set[str]:
    """Every named page of the URL conf (the JSON API, the admin and /healthz aside)."""
    found: set[str] = set()

    def walk(patterns, namespace: str, prefix: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, ns, route)
            elif isinstance(p, URLPattern) and p.name and not route.startswith(("api/", "admin/", "healthz")):
                found.add(namespace + p.name)

    walk(get_resolver().url_patterns, "", "")
    return found - {"home"}


#: The personas the world is made for, in the order its objects are made.
PERSONAS = ["issuer_org", "issuer_admin", "issuer_member", "compliance_officer", "second_officer", "operator",
            "verified_investor", "unverified_investor", "outsider"]


def world_build(request, settings, tmp_path) -> dict:
    """The objects the pages need (each test module's `world` fixture returns it)."""
    from accounts.models import Membership
    from chain.tests.factories import BreakFactory
    from compliance.tests.factories import KycReviewFactory
    from investors.models import Wallet, WalletChallenge
    from investors.tests.factories import InvestorProfileFactory
    from issuance.tests.factories import IssuerFactory, OfferingFactory, SecurityFactory, SubscriptionFactory
    from ledger.services import forced_transfer_request, tokens_issue
    from ledger.tests.factories import approved_investor

    p = {name: request.getfixturevalue(name) for name in PERSONAS}
    issuer_org, issuer_admin, compliance_officer = p["issuer_org"], p["issuer_admin"], p["compliance_officer"]
    verified_investor, outsider = p["verified_investor"], p["outsider"]
    settings.ISSUANCE_DOCUMENT_ROOT = tmp_path / "issuance-docs"
    settings.MEDIA_ROOT = tmp_path / "media"
    issuer = IssuerFactory(organization=issuer_org)
    bond = SecurityFactory(issuer=issuer, created_by=issuer_admin, name="Sakura Green Bond 2031", symbol="SGB31")
    offering = OfferingFactory(security=bond)
    wallet = Wallet.objects.filter(profile__user=verified_investor).first()
    _, [wallet2] = approved_investor(email="taro@example.test")
    tokens_issue(security=bond, wallet=wallet, amount=10, actor=issuer_admin, reason="placement")
    w = {
        "bond": bond, "offering": offering, "wallet": wallet, "wallet2": wallet2,
        "draft": OfferingFactory(security=bond, status="draft", documents=False),
        "sub": SubscriptionFactory(offering=offering, investor=verified_investor, units=2),
        "signed": SubscriptionFactory(offering=offering, investor=wallet2.profile.user, units=1, status="signed"),
        "invitation": invitation_new(issuer_org, issuer_admin),
        "staff_invitation": staff_invitation_new(p["operator"]),
        "ready": SubscriptionFactory(offering=offering, investor=verified_investor, units=1, status="ready_to_settle"),
        "membership": Membership.objects.get(user=p["issuer_member"]),
        "pending_issuer": IssuerFactory(status="submitted"),
        "review": KycReviewFactory(profile=InvestorProfileFactory(kyc_status="submitted")),
        "break": BreakFactory(security=bond),
        "request": forced_transfer_request(security=bond, from_wallet=wallet.address, to_wallet=wallet2.address,
                                           amount=1, reason="Court order", actor=compliance_officer),
        "challenge": WalletChallenge.objects.create(user=verified_investor, address=WALLET, nonce="hostile-nonce",
                                                    message="Sign this", expires_at=later()),
    }
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from ledger.models import Position

    w["position"] = Position.objects.get(security=bond, wallet=wallet.address)
    board_add(w, issuer_admin, verified_investor)
    w["reset"] = [urlsafe_base64_encode(force_bytes(outsider.pk)), default_token_generator.make_token(outsider)]
    return w


def invitation_new(organization, inviter) -> list:
    """[pk, token] of a pending invitation of a new address (as its e-mail link carries them)."""
    from accounts.memberships import invitation_expires_at, invitation_token_new
    from accounts.models import Invitation

    token, token_hash = invitation_token_new()
    invitation = Invitation.objects.create(organization=organization, email="jiro@example.test", role="member",
                                           invited_by=inviter, token_hash=token_hash,
                                           expires_at=invitation_expires_at())
    return [invitation.pk, token]


def staff_invitation_new(operator) -> list:
    """[pk, token] of a pending staff invitation of a new address (as its e-mail link carries them)."""
    from accounts.memberships import invitation_expires_at, invitation_token_new
    from accounts.models import StaffInvitation

    token, token_hash = invitation_token_new()
    invitation = StaffInvitation.objects.create(email="new.officer@example.test", role="compliance",
                                                invited_by=operator, token_hash=token_hash,
                                                expires_at=invitation_expires_at())
    return [invitation.pk, token]


def board_add(w: dict, issuer_admin, buyer) -> None:
    """The board's pages: a JPY cash token, an offer by the second investor on the board, and
    another accepted by the persona (a settlement awaiting authorization), and a signed
    subscription to a DvP offering."""
    from issuance.models import Security
    from issuance.tests.factories import OfferingFactory, SecurityFactory, SubscriptionFactory
    from ledger.services import offer_accept, offer_create, tokens_issue

    bond, seller_wallet = w["bond"], w["wallet2"]
    if not Security.objects.filter(kind=Security.Kind.CASH, currency="JPY").exists():
        SecurityFactory(issuer=bond.issuer, created_by=issuer_admin, kind=Security.Kind.CASH, name="JPY coin",
                        symbol="JPYTC", currency="JPY", decimals=0)
    tokens_issue(security=bond, wallet=seller_wallet, amount=2, actor=issuer_admin, reason="placement")
    offer = {"security": bond, "wallet": seller_wallet, "units": 1, "unit_price": "1000", "expires_at": later(),
             "actor": seller_wallet.profile.user}
    w["offer"] = offer_create(**offer)
    w["settlement"] = offer_accept(offer=offer_create(**offer), wallet=w["wallet"], actor=buyer)
    w["dvp_sub"] = SubscriptionFactory(offering=OfferingFactory(security=bond, settlement_mode="dvp"), investor=buyer,
                                       units=1, status="signed")


def later():
    import datetime as dt

    from django.utils import timezone

    return timezone.now() + dt.timedelta(hours=1)


def client_for(request, persona: str) -> Client:
    """A client signed in as `persona` with 2FA passed (anonymous for "")."""
    client = Client()
    return force_login_verified(client, request.getfixturevalue(persona)) if persona else client


def fingerprint() -> str:
    tables = sorted({m._meta.db_table for a in APPS for m in apps.get_app_config(a).get_models()
                     if m._meta.managed and not m._meta.proxy} - UNFINGERPRINTED)
    parts = " || ".join(f"(SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') "
                        f"FROM {connection.ops.quote_name(t)} t)"
                        for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT md5({parts})")
        return cursor.fetchone()[0]


def refused(response) -> bool:
    """A 4xx, or the page again (directly or after a redirect) with an error shown."""
    if 400 <= response.status_code < 500:
        return True
    body = response.content.decode(errors="replace")
    return response.status_code == 200 and ('class="errorlist"' in body or "flash-error" in body)


def shown_errors(response) -> list[str]:
    body = response.content.decode(errors="replace")
    return re.findall(r'(?:class="errorlist"[^>]*>|class="flash flash-error"[^>]*>)(.*?)</', body, re.S)


def send(client: Client, url: str, data: dict):
    try:
        return client.post(url, data, follow=True)
    except Exception as exc:  # noqa: BLE001 - a 500: the test client re-raises the view's exception
        return exc


def check_form(request, world: dict, key: tuple[str, str], case: Case) -> None:
    """Each hostile value in place of the valid one is refused and writes nothing; then the
    valid submission goes through (when the case says it does)."""
    client = client_for(request, case.persona)
    url = reverse(key[0], args=case.args(world))
    if case.prime:
        client.get(case.prime(world))
    page = client.get(url)
    assert page.status_code < 500
    base = case.data(world)
    before = fingerprint()
    failures = []
    for name, values in case.hostile.items():
        for value in values:
            response = send(client, url, {**base, name: value})
            if isinstance(response, Exception):
                failures.append(f"{name}={value!r:.40}: 500 {type(response).__name__}: {str(response)[:160]}")
            elif not refused(response):
                failures.append(f"{name}={value!r:.40}: {response.status_code} without an error message")
    assert failures == [], "\n".join(failures)
    assert fingerprint() == before, "a refused submission changed data"
    if case.accepted:  # so each hostile value was the only thing wrong with its submission
        response = send(client, url, base)
        assert not isinstance(response, Exception), response
        assert not refused(response), f"the valid submission was refused: {shown_errors(response)}"


def get_pages(forms: dict[tuple[str, str], Case], read_only: dict) -> dict:
    """Every page with a GET: the read-only pages and the form pages (first case of each)."""
    return {**{key[0]: (case.persona, case.args) for key, case in reversed(forms.items())}, **read_only}


def check_queries(request, world: dict, name: str, persona: str, args: Callable[[dict], list]) -> None:
    client = client_for(request, persona)
    url = reverse(name, args=args(world))
    before = fingerprint()
    for query in HOSTILE_QUERIES:
        try:
            response = client.get(url, query)
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"{name} {query!r:.80}: 500 {type(exc).__name__}: {exc}")
        assert response.status_code < 500
    assert fingerprint() == before


def str_segment_names() -> set[str]:
    """Pages with a <str:...> (or <uidb64>) segment in the URL conf (the JSON API and the admin aside)."""
    found = set()

    def walk(patterns, namespace: str, prefix: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace, route)
            elif p.name and ("<str:" in route or "<uidb64>" in route) and not route.startswith(("api/", "admin/")):
                found.add(namespace + p.name)

    walk(get_resolver().url_patterns, "", "")
    return found


def check_segments(request, world: dict, name: str, persona: str, args: Callable[[dict, str], list]) -> None:
    client = client_for(request, persona)
    before = fingerprint()
    for segment in ["a\x00b", "x" * 5000, "²", "%00"]:
        url = reverse(name, args=args(world, segment))
        for method in (client.get, client.post):
            try:
                response = method(url)
            except Exception as exc:  # noqa: BLE001
                pytest.fail(f"{method.__name__} {name} {segment!r:.20}: 500 {type(exc).__name__}: {exc}")
            assert response.status_code < 500
    assert fingerprint() == before
