"""Every HTML page gets the hostile inputs of the outside review (issue 11, "Inputs that crash
or slip through") and answers with a 4xx or the page again with an error, never a 500, and
writes nothing.

The pages are a maintained list (FORMS, NO_INPUT, READ_ONLY) checked against the URL conf:
a new page without an entry fails test_every_page_is_listed. A form case names the persona
allowed to use it, a submission that would be valid, and for each field the hostile values
that must be refused there; each value is sent in place of the valid one, one at a time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import totp_now

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

APPS = ["accounts", "investors", "compliance", "issuance", "ledger", "cash", "servicing", "chain", "core"]
UNFINGERPRINTED = {"core_auditevent"}   # a refusal may be audited (access_denied, sign-in failed)


@dataclass
class Case:
    persona: str                                   # a conftest persona fixture, or "" for anonymous
    args: Callable[[dict], list] = lambda w: []
    data: Callable[[dict], dict] = lambda w: {}
    hostile: dict[str, list] = field(default_factory=dict)
    prime: Callable[[dict], str] | None = None     # a URL to GET first (e.g. a reset link)
    accepted: bool = True                          # the valid submission goes through (checked last)


def _this_year() -> int:
    from core.clock import business_today

    return business_today().year


def _days(n: int) -> str:
    import datetime as dt

    from core.clock import business_today

    return (business_today() + dt.timedelta(days=n)).isoformat()


def _corporate_action(w: dict, key: str, **fields):
    """An action of the world's bond (made once per test, as a page's args need it): `offchain`
    recorded, approved and due, with the persona investor's line; `scheduled` awaiting approval."""
    if key not in w:
        from decimal import Decimal

        from django.utils import timezone

        from core.clock import business_today
        from servicing.models import CorporateAction, EntitlementLine

        today = business_today()
        w[key] = CorporateAction.objects.create(
            security=w["bond"], kind="coupon", sequence=len(key), currency="JPY", declaration_date=today,
            record_date=today, ex_date=today, payment_date=today, per_unit_amount=Decimal("625"), **fields)
        if fields.get("status") == "recorded":
            EntitlementLine.objects.create(action=w[key], investor=w["wallet"].profile.user, wallet=w["wallet"].address,
                                           units=10, gross=Decimal("6250"), withheld=Decimal("0"), net=Decimal("6250"))
            w[key].line_count, w[key].approved_at = 1, timezone.now()
            w[key].save()
    return w[key]


def _offchain_action(w: dict):
    return _corporate_action(w, "offchain", method="offchain", status="recorded")


def _security_data(w: dict) -> dict:
    return {"kind": "bond", "name": "Hostile Bond", "symbol": "HOST1", "currency": "JPY", "face_value": "100000",
            "coupon_rate": "1.5", "coupon_frequency": "semiannual", "day_count": "ACT/365F", "issue_date": "2027-04-01",
            "maturity_date": "2032-03-31", "redemption_price": "100", "regulation": "none", "max_holders": "10",
            "min_holding": "1", "max_holding": "10", "share_class": "A", "authorized_shares": "1000"}


def _offering_data(w: dict) -> dict:
    return {"title": "Hostile offering", "currency": "JPY", "price": "1000", "min_subscription": "1",
            "max_subscription": "10", "target": "10", "hard_cap": "20", "opens_on": "2027-01-01",
            "closes_on": "2027-02-01",
            "payment_instructions": "Bank", "settlement_mode": "dvp"}


OFFERING_HOSTILE = {"title": TOO_LONG, "currency": NOT_A_CHOICE, "price": NOT_A_NUMBER,
                    "min_subscription": NOT_A_NUMBER, "max_subscription": NOT_A_NUMBER, "target": NOT_A_NUMBER,
                    "hard_cap": NOT_A_NUMBER, "opens_on": NOT_A_DATE, "closes_on": NOT_A_DATE,
                    "payment_instructions": NUL_TEXT, "settlement_mode": NOT_A_CHOICE}

#: Form pages: (url name, label) -> case.
FORMS: dict[tuple[str, str], Case] = {
    ("accounts:signup", ""): Case("", data=lambda w: {"full_name": "Ann", "email": "ann@example.test",
                                                      "password": "Correct-horse-9!",
                                                      "password_again": "Correct-horse-9!"},
                                  hostile={"full_name": TOO_LONG, "email": NOT_AN_EMAIL}),
    ("accounts:signup-company", ""): Case("", data=lambda w: {"full_name": "Ann", "email": "ann@example.test",
                                                              "password": "Correct-horse-9!",
                                                              "password_again": "Correct-horse-9!",
                                                              "company_name": "Ann K.K."},
                                          hostile={"full_name": TOO_LONG, "email": NOT_AN_EMAIL,
                                                   "company_name": TOO_LONG}),
    ("accounts:login", ""): Case("", accepted=False, data=lambda w: {"email": "nobody@example.test", "password": "x"},
                                 hostile={"email": NOT_AN_EMAIL, "password": NUL_TEXT}),
    ("accounts:2fa-verify", ""): Case("issuer_admin", accepted=False, data=lambda w: {"token": "000000"},
                                      hostile={"token": NOT_A_NUMBER}),
    ("accounts:2fa-enrol", ""): Case("outsider", accepted=False, data=lambda w: {"token": "000000"},
                                     hostile={"token": NOT_A_NUMBER}),
    ("accounts:organization-create", ""): Case("issuer_admin", accepted=False, data=lambda w: {"name": "Other K.K."},
                                               hostile={"name": TOO_LONG}),
    ("accounts:password-reset", ""): Case("", data=lambda w: {"email": "nobody@example.test"},
                                          hostile={"email": NOT_AN_EMAIL}),
    ("accounts:password-reset-confirm", ""): Case(
        "", args=lambda w: [w["reset"][0], "set-password"],
        prime=lambda w: reverse("accounts:password-reset-confirm", args=w["reset"]),
        data=lambda w: {"new_password1": "Correct-horse-9!", "new_password2": "Correct-horse-9!"},
        hostile={"new_password1": NUL_TEXT, "new_password2": TOO_LONG}),
    ("set_language", ""): Case("", data=lambda w: {"language": "ja", "next": "/"}, hostile={"next": ["a\x00b"]}),
    ("accounts:organization-choose", ""): Case("issuer_admin",
                                               data=lambda w: {"organization": str(w["bond"].issuer.organization_id),
                                                               "next": "/"},
                                               hostile={"organization": NOT_AN_ID}),
    ("accounts:invitation-signup", ""): Case("", args=lambda w: w["invitation"],
                                             data=lambda w: {"full_name": "Jiro", "password": "Correct-horse-9!",
                                                             "password_again": "Correct-horse-9!"},
                                             hostile={"full_name": TOO_LONG, "password": NUL_TEXT}),
    ("accounts:invitation-accept", ""): Case("outsider", accepted=False, args=lambda w: [w["invitation"][0]],
                                             data=lambda w: {"token": w["invitation"][1]}, hostile={"token": TOO_LONG}),
    ("accounts:invitation-decline", ""): Case("outsider", accepted=False, args=lambda w: [w["invitation"][0]],
                                              data=lambda w: {"token": w["invitation"][1]},
                                              hostile={"token": TOO_LONG}),
    ("investors:profile", ""): Case(
        "unverified_investor",
        data=lambda w: {"kind": "individual", "legal_name": "Ann", "birth_date": "1990-01-01", "identity_number": "X1",
                        "address": "Tokyo", "nationality": "JP", "residence_country": "JP", "tax_residency": "JP",
                        "investor_status": "retail", "status_basis": "", "beneficial_owners": ""},
        hostile={"kind": NOT_A_CHOICE, "legal_name": TOO_LONG, "birth_date": NOT_A_DATE, "identity_number": TOO_LONG,
                 "address": NUL_TEXT, "nationality": NOT_A_CHOICE, "residence_country": NOT_A_CHOICE,
                 "investor_status": NOT_A_CHOICE, "status_basis": TOO_LONG, "beneficial_owners": NUL_TEXT}),
    ("investors:document-upload", ""): Case("unverified_investor", accepted=False,
                                            data=lambda w: {"doc-kind": "passport"},
                                            hostile={"doc-kind": NOT_A_CHOICE}),
    ("investors:wallet-challenge", ""): Case("verified_investor", data=lambda w: {"address": WALLET},
                                             hostile={"address": NOT_A_WALLET}),
    ("investors:wallet-verify", ""): Case("verified_investor", accepted=False,
                                          data=lambda w: {"challenge": str(w["challenge"].pk),
                                                          "signature": "0x" + "a" * 130},
                                          hostile={"challenge": NOT_AN_ID, "signature": TOO_LONG}),
    ("compliance:review", ""): Case("compliance_officer", args=lambda w: [w["review"].pk],
                                    data=lambda w: {"action": "approve", "reason": "Checked", "expires_on": ""},
                                    hostile={"action": NOT_A_CHOICE, "reason": TOO_LONG, "expires_on": NOT_A_DATE}),
    ("issuance:issuer-apply", ""): Case(  # the persona's issuer is approved: the service refuses edits
        "issuer_admin", accepted=False,
        data=lambda w: {"legal_name": "Sakura", "registration_number": "1", "jurisdiction": "JP",
                        "address": "Tokyo", "representatives": "Taro"},
        hostile={"legal_name": TOO_LONG, "registration_number": TOO_LONG, "jurisdiction": NOT_A_CHOICE,
                 "address": NUL_TEXT, "representatives": NUL_TEXT}),
    ("issuance:issuer-document-add", ""): Case("issuer_admin", accepted=False, data=lambda w: {"title": "Register"},
                                               hostile={"title": TOO_LONG}),
    ("issuance:members", ""): Case("issuer_admin", data=lambda w: {"email": "new@issuer.test", "role": "member"},
                                   hostile={"email": NOT_AN_EMAIL, "role": NOT_A_CHOICE}),
    ("issuance:member-role", ""): Case("issuer_admin", args=lambda w: [w["membership"].pk],
                                       data=lambda w: {"role": "admin"},
                                       hostile={"role": NOT_A_CHOICE}),
    ("issuance:issuer-review", ""): Case("compliance_officer", args=lambda w: [w["pending_issuer"].pk],
                                         data=lambda w: {"decision": "reject", "reason": "No"},
                                         hostile={"reason": NUL_TEXT}),
    ("issuance:security-create", ""): Case(
        "issuer_admin", data=_security_data,
        hostile={"kind": NOT_A_CHOICE, "name": TOO_LONG, "symbol": TOO_LONG, "currency": NOT_A_CHOICE,
                 "share_class": TOO_LONG, "face_value": NOT_A_NUMBER, "coupon_rate": NOT_A_NUMBER,
                 "redemption_price": NOT_A_NUMBER, "issue_date": NOT_A_DATE, "maturity_date": NOT_A_DATE,
                 "coupon_frequency": NOT_A_CHOICE, "day_count": NOT_A_CHOICE, "regulation": NOT_A_CHOICE,
                 "allowed_countries": ["ZZ", "a\x00b", "x" * 10_000], "min_holding": NOT_A_NUMBER,
                 "max_holding": NOT_A_NUMBER, "max_holders": NOT_AN_ID, "lockup_until": NOT_A_DATE,
                 "investor_types": NOT_A_CHOICE}),
    ("issuance:security-create", "equity"): Case(
        "issuer_admin", data=lambda w: {**_security_data(w), "kind": "equity", "par_value": "50"},
        hostile={"share_class": TOO_LONG, "par_value": NOT_A_NUMBER, "authorized_shares": NOT_AN_ID}),
    ("issuance:security-create", "fund"): Case(
        "issuer_admin",
        data=lambda w: {**_security_data(w), "kind": "fund", "nav_per_unit": "1000", "dealing_frequency": "daily"},
        hostile={"nav_per_unit": NOT_A_NUMBER, "dealing_frequency": NOT_A_CHOICE}),
    ("issuance:offering-create", ""): Case("issuer_admin", args=lambda w: [w["bond"].pk], data=_offering_data,
                                           hostile=OFFERING_HOSTILE),
    ("issuance:offering-edit", ""): Case("issuer_admin", args=lambda w: [w["draft"].pk], data=_offering_data,
                                         hostile=OFFERING_HOSTILE),
    ("issuance:offering-document-add", ""): Case("issuer_admin", accepted=False, args=lambda w: [w["draft"].pk],
                                                 data=lambda w: {"kind": "memorandum"}, hostile={"kind": NOT_A_CHOICE}),
    ("issuance:subscriptions-bulk", ""): Case(
        "issuer_admin", args=lambda w: [w["offering"].pk],
        data=lambda w: {"subscription": [str(w["sub"].pk)], "decision": "reject", "reason": "No"},
        hostile={"subscription": NOT_AN_ID, "reason": NUL_TEXT}),
    ("issuance:offering-action", "cancel"): Case("issuer_admin", args=lambda w: [w["draft"].pk, "cancel"],
                                                 data=lambda w: {"reason": "Stop"}, hostile={"reason": NUL_TEXT}),
    ("issuance:subscription-action", "funded"): Case("issuer_admin", args=lambda w: [w["signed"].pk, "funded"],
                                                     data=lambda w: {"reference": "BANK-1"},
                                                     hostile={"reference": TOO_LONG}),
    ("issuance:subscription-action", "reject"): Case("issuer_admin", args=lambda w: [w["sub"].pk, "reject"],
                                                     data=lambda w: {"reason": "No"}, hostile={"reason": NUL_TEXT}),
    ("issuance:market-offering", ""): Case("verified_investor", args=lambda w: [w["offering"].pk],
                                           data=lambda w: {"units": "2"}, hostile={"units": NOT_A_NUMBER}),
    ("issuance:my-subscription", ""): Case("verified_investor", args=lambda w: [w["sub"].pk],
                                           data=lambda w: {"agree": "on",
                                                           "sha256": w["sub"].offering.document("agreement").sha256},
                                           hostile={"sha256": TOO_LONG}),
    ("ledger:settle-bulk", ""): Case("issuer_admin", args=lambda w: [w["bond"].pk],
                                     data=lambda w: {"subscriptions": [str(w["ready"].pk)]},
                                     hostile={"subscriptions": NOT_AN_ID}),
    ("ledger:control", "redeem"): Case(
        "issuer_admin", args=lambda w: [w["bond"].pk, "redeem"],
        data=lambda w: {"wallet": w["wallet"].address, "amount": "1", "reason": "Buy-back"},
        hostile={"wallet": NOT_A_WALLET, "amount": NOT_A_NUMBER, "reason": NUL_TEXT}),
    ("ledger:control", "transfer"): Case(
        "issuer_admin", args=lambda w: [w["bond"].pk, "transfer"],
        data=lambda w: {"wallet": w["wallet"].address, "to_wallet": w["wallet2"].address, "amount": "1",
                        "reason": "Gift"},
        hostile={"to_wallet": NOT_A_WALLET, "amount": NOT_A_NUMBER, "reason": NUL_TEXT}),
    ("ledger:control", "freeze_wallet"): Case(
        "issuer_admin", args=lambda w: [w["bond"].pk, "freeze_wallet"],
        data=lambda w: {"wallet": w["wallet"].address, "reason": "Court"},
        hostile={"wallet": NOT_A_WALLET, "reason": NUL_TEXT}),
    ("ledger:transfer", ""): Case("verified_investor", args=lambda w: [w["position"].pk],
                                  data=lambda w: {"to_wallet": w["wallet2"].address, "amount": "1"},
                                  hostile={"to_wallet": NOT_A_WALLET, "amount": NOT_A_NUMBER}),
    ("ledger:requests", ""): Case(
        "compliance_officer",
        data=lambda w: {"security": str(w["bond"].pk), "kind": "forced", "from_wallet": w["wallet"].address,
                        "to_wallet": w["wallet2"].address, "amount": "1", "reason": "Court order"},
        hostile={"security": NOT_AN_ID, "from_wallet": NOT_A_WALLET, "amount": NOT_A_NUMBER, "reason": NUL_TEXT}),
    ("ledger:request-decide", "approve"): Case("second_officer", args=lambda w: [w["request"].pk, "approve"],
                                               data=lambda w: {"reason": "Checked"}, hostile={"reason": NUL_TEXT}),
    ("ledger:board", ""): Case(
        "verified_investor", args=lambda w: [w["bond"].pk],
        data=lambda w: {"wallet": w["wallet"].address, "units": "1", "unit_price": "1000", "expires_at": _expiry()},
        hostile={"wallet": NOT_A_WALLET, "units": NOT_A_NUMBER, "unit_price": NOT_A_NUMBER, "expires_at": NOT_A_DATE}),
    ("ledger:offer", ""): Case("verified_investor", accepted=False, args=lambda w: [w["offer"].pk],
                               data=lambda w: {"wallet": w["wallet"].address}, hostile={"wallet": NOT_A_WALLET}),
    ("ledger:settlement", ""): Case("verified_investor", accepted=False, args=lambda w: [w["settlement"].pk],
                                    data=lambda w: {"signature": "0x" + "a" * 130}, hostile={"signature": TOO_LONG}),
    ("ledger:subscription-pay", ""): Case("verified_investor", accepted=False, args=lambda w: [w["dvp_sub"].pk],
                                          data=lambda w: {"wallet": w["wallet"].address},
                                          hostile={"wallet": NOT_A_WALLET}),
    ("servicing:security", "declare"): Case(
        "issuer_admin", args=lambda w: [w["bond"].pk],
        data=lambda w: {"kind": "call", "record_date": _days(5), "payment_date": _days(10), "call_price": "100",
                        "method": "offchain"},
        hostile={"kind": NOT_A_CHOICE, "record_date": NOT_A_DATE, "ex_date": NOT_A_DATE, "payment_date": NOT_A_DATE,
                 "per_unit_amount": NOT_A_NUMBER, "total_amount": NOT_A_NUMBER, "call_price": NOT_A_NUMBER,
                 "call_units": NOT_AN_ID, "method": NOT_A_CHOICE}),
    ("servicing:action", "mark_paid"): Case(
        "issuer_admin", args=lambda w: [_offchain_action(w).pk],
        data=lambda w: {"step": "mark_paid", "reference": "BANK-1", "lines": ""},
        hostile={"reference": TOO_LONG, "lines": ["abc", "1.5", "-1", "x" * 200_000, "a\x00b", "²"]}),
    ("servicing:desk", "cancel"): Case(
        "operator", data=lambda w: {"step": "cancel", "action": str(_corporate_action(w, "scheduled").pk),
                                    "reason": "Declared twice"},
        hostile={"action": NOT_AN_ID, "reason": TOO_LONG}),
    ("chain:break-resolve", ""): Case("operator", args=lambda w: [w["break"].pk],
                                      data=lambda w: {"reason": "Indexed late"},
                                      hostile={"reason": NUL_TEXT}),
    ("compliance:review-tax-profile", ""): Case(
        "compliance_officer", args=lambda w: [w["review"].pk],
        data=lambda w: {"exemption": "treaty", "treaty_rate": "10", "basis": "Treaty form 3"},
        hostile={"exemption": NOT_A_CHOICE, "treaty_rate": [*NOT_A_NUMBER, "100.5", "1.23456"], "basis": TOO_LONG}),
}

#: POST buttons whose only input is the URL's <int:pk> (or nothing): no field to be hostile in.
NO_INPUT = {"accounts:logout", "accounts:logout-everywhere", "accounts:api-token-revoke", "issuance:invitation-revoke",
            "issuance:issuer-submit", "compliance:kyc-submit", "investors:wallet-remove", "ledger:settle",
            "investors:wallet-custody",
            "ledger:offer-cancel", "ledger:settlement-confirm",
            "chain:outbox-retry", "chain:reconcile"}

#: GET pages: hostile query strings only. name -> (persona, args)
READ_ONLY: dict[str, tuple[str, Callable[[dict], list]]] = {
    "accounts:dashboard": ("issuer_admin", lambda w: []),
    "accounts:security": ("issuer_admin", lambda w: []),
    "accounts:invitations": ("outsider", lambda w: []),
    "accounts:invitation-open": ("", lambda w: w["invitation"]),
    "accounts:organization": ("issuer_admin", lambda w: [w["bond"].issuer.organization_id]),
    "accounts:password-reset-done": ("", lambda w: []),
    "accounts:password-reset-complete": ("", lambda w: []),
    "investors:document-download": ("unverified_investor", lambda w: [10**6]),
    "investors:wallets": ("verified_investor", lambda w: []),
    "compliance:queue": ("compliance_officer", lambda w: []),
    "issuance:home": ("issuer_admin", lambda w: []),
    "issuance:issuer-review-list": ("compliance_officer", lambda w: []),
    "issuance:issuer-document": ("issuer_admin", lambda w: [10**6]),
    "issuance:security": ("issuer_admin", lambda w: [w["bond"].pk]),
    "issuance:offering": ("issuer_admin", lambda w: [w["offering"].pk]),
    "issuance:offering-document": ("verified_investor", lambda w: [w["offering"].document("memorandum").pk]),
    "issuance:market": ("verified_investor", lambda w: []),
    "issuance:my-subscriptions": ("verified_investor", lambda w: []),
    "ledger:home": ("issuer_admin", lambda w: []),
    "ledger:cap-table": ("issuer_admin", lambda w: [w["bond"].pk]),
    "ledger:cap-table-csv": ("issuer_admin", lambda w: [w["bond"].pk]),
    "ledger:holdings": ("verified_investor", lambda w: []),
    "ledger:requests": ("compliance_officer", lambda w: []),
    "ledger:boards": ("verified_investor", lambda w: []),
    "cash:mine": ("verified_investor", lambda w: []),
    "cash:desk": ("cash_agent", lambda w: []),
    "cash:treasury": ("issuer_admin", lambda w: []),
    "chain:mirror": ("operator", lambda w: []),
    "chain:mirror-status": ("operator", lambda w: []),
    "chain:breaks": ("operator", lambda w: []),
    "compliance:review": ("compliance_officer", lambda w: [w["review"].pk]),
    "investors:profile": ("unverified_investor", lambda w: []),
    "servicing:income": ("verified_investor", lambda w: []),
    "servicing:action-lines-csv": ("issuer_admin", lambda w: [_offchain_action(w).pk]),
    "servicing:action-payment-file": ("issuer_admin", lambda w: [_offchain_action(w).pk]),
    "servicing:income-tax": ("verified_investor", lambda w: [_this_year()]),
    "servicing:income-tax-csv": ("verified_investor", lambda w: [_this_year()]),
}

HOSTILE_QUERIES = [
    {"status": "\x00", "as_of": "\x00", "challenge": "\x00", "country": "\x00", "risk": "\x00", "min_age_days": "\x00",
     "next": "\x00", "page": "\x00"},
    {"status": "x" * 10_000, "as_of": "²０２６-01-01", "challenge": "²", "min_age_days": "١٢", "risk": ["a", "b"],
     "page": str(10**30)},
    {"challenge": str(10**30), "min_age_days": "1e400", "as_of": "+275760-09-13", "status": "all\x00"},
]


def _names() -> set[str]:
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


def test_every_page_is_listed():
    listed = {name for name, _ in FORMS} | NO_INPUT | set(READ_ONLY)
    assert _names() - listed == set(), "a page without an entry in this test: add it to FORMS, NO_INPUT or READ_ONLY"
    assert listed - _names() == set(), "an entry for a page that no longer exists"


# --------------------------------------------------------------------------- the world


@pytest.fixture
def world(settings, tmp_path, issuer_org, issuer_admin, issuer_member, compliance_officer, second_officer, operator,
          verified_investor, unverified_investor, outsider):
    from accounts.models import Membership
    from chain.tests.factories import BreakFactory
    from compliance.tests.factories import KycReviewFactory
    from investors.models import Wallet, WalletChallenge
    from investors.tests.factories import InvestorProfileFactory
    from issuance.tests.factories import IssuerFactory, OfferingFactory, SecurityFactory, SubscriptionFactory
    from ledger.services import forced_transfer_request, tokens_issue
    from ledger.tests.factories import approved_investor

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
        "invitation": _invitation(issuer_org, issuer_admin),
        "ready": SubscriptionFactory(offering=offering, investor=verified_investor, units=1, status="ready_to_settle"),
        "membership": Membership.objects.get(user=issuer_member),
        "pending_issuer": IssuerFactory(status="submitted"),
        "review": KycReviewFactory(profile=InvestorProfileFactory(kyc_status="submitted")),
        "break": BreakFactory(security=bond),
        "request": forced_transfer_request(security=bond, from_wallet=wallet.address, to_wallet=wallet2.address,
                                           amount=1, reason="Court order", actor=compliance_officer),
        "challenge": WalletChallenge.objects.create(user=verified_investor, address=WALLET, nonce="hostile-nonce",
                                                    message="Sign this", expires_at=_later()),
    }
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from ledger.models import Position

    w["position"] = Position.objects.get(security=bond, wallet=wallet.address)
    _board(w, issuer_admin, verified_investor)
    w["reset"] = [urlsafe_base64_encode(force_bytes(outsider.pk)), default_token_generator.make_token(outsider)]
    return w


def _invitation(organization, inviter) -> list:
    """[pk, token] of a pending invitation of a new address (as its e-mail link carries them)."""
    from accounts.memberships import invitation_expires_at, invitation_token_new
    from accounts.models import Invitation

    token, token_hash = invitation_token_new()
    invitation = Invitation.objects.create(organization=organization, email="jiro@example.test", role="member",
                                           invited_by=inviter, token_hash=token_hash,
                                           expires_at=invitation_expires_at())
    return [invitation.pk, token]


def _board(w: dict, issuer_admin, buyer) -> None:
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
    offer = {"security": bond, "wallet": seller_wallet, "units": 1, "unit_price": "1000", "expires_at": _later(),
             "actor": seller_wallet.profile.user}
    w["offer"] = offer_create(**offer)
    w["settlement"] = offer_accept(offer=offer_create(**offer), wallet=w["wallet"], actor=buyer)
    w["dvp_sub"] = SubscriptionFactory(offering=OfferingFactory(security=bond, settlement_mode="dvp"), investor=buyer,
                                       units=1, status="signed")


def _expiry() -> str:
    """A datetime-local value two hours ahead (an offer's expiry on the board form)."""
    import datetime as dt

    from django.utils import timezone

    return timezone.localtime(timezone.now() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")


def _later():
    import datetime as dt

    from django.utils import timezone

    return timezone.now() + dt.timedelta(hours=1)


def _client(request, persona: str) -> Client:
    """A client signed in as `persona` with 2FA passed (anonymous for "")."""
    client = Client()
    if persona:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        user = request.getfixturevalue(persona)
        client.force_login(user)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            response = client.post(reverse("accounts:2fa-verify"), {"token": totp_now(device)})
            assert response.status_code == 302, f"2FA for {persona} failed"
    return client


def _fingerprint() -> str:
    tables = sorted({m._meta.db_table for a in APPS for m in apps.get_app_config(a).get_models()
                     if m._meta.managed and not m._meta.proxy} - UNFINGERPRINTED)
    parts = " || ".join(f"(SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') "
                        f"FROM {connection.ops.quote_name(t)} t)"
                        for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT md5({parts})")
        return cursor.fetchone()[0]


def _refused(response) -> bool:
    """A 4xx, or the page again (directly or after a redirect) with an error shown."""
    if 400 <= response.status_code < 500:
        return True
    body = response.content.decode(errors="replace")
    return response.status_code == 200 and ('class="errorlist"' in body or "flash-error" in body)


def _shown_errors(response) -> list[str]:
    body = response.content.decode(errors="replace")
    return re.findall(r'(?:class="errorlist"[^>]*>|class="flash flash-error"[^>]*>)(.*?)</', body, re.S)


def _send(client: Client, url: str, data: dict):
    try:
        return client.post(url, data, follow=True)
    except Exception as exc:  # noqa: BLE001 - a 500: the test client re-raises the view's exception
        return exc


@pytest.mark.parametrize("key", list(FORMS), ids=[f"{n}{'-' + lbl if lbl else ''}" for n, lbl in FORMS])
def test_form_page_refuses_hostile_input(request, world, key):
    case = FORMS[key]
    client = _client(request, case.persona)
    url = reverse(key[0], args=case.args(world))
    if case.prime:
        client.get(case.prime(world))
    page = client.get(url)
    assert page.status_code < 500
    base = case.data(world)
    before = _fingerprint()
    failures = []
    for name, values in case.hostile.items():
        for value in values:
            response = _send(client, url, {**base, name: value})
            if isinstance(response, Exception):
                failures.append(f"{name}={value!r:.40}: 500 {type(response).__name__}: {str(response)[:160]}")
            elif not _refused(response):
                failures.append(f"{name}={value!r:.40}: {response.status_code} without an error message")
    assert failures == [], "\n".join(failures)
    assert _fingerprint() == before, "a refused submission changed data"
    if case.accepted:  # so each hostile value was the only thing wrong with its submission
        response = _send(client, url, base)
        assert not isinstance(response, Exception), response
        assert not _refused(response), f"the valid submission was refused: {_shown_errors(response)}"


#: Every page with a GET: the read-only pages and the form pages (first case of each).
GET_PAGES = {**{key[0]: (case.persona, case.args) for key, case in reversed(FORMS.items())}, **READ_ONLY}


@pytest.mark.parametrize("name", sorted(GET_PAGES))
def test_page_answers_hostile_query_strings(request, world, name):
    persona, args = GET_PAGES[name]
    client = _client(request, persona)
    url = reverse(name, args=args(world))
    before = _fingerprint()
    for query in HOSTILE_QUERIES:
        try:
            response = client.get(url, query)
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"{name} {query!r:.80}: 500 {type(exc).__name__}: {exc}")
        assert response.status_code < 500
    assert _fingerprint() == before


@pytest.mark.parametrize("next_url", ["dashboard", "a\x00b", "/a\x00b", "//evil.test/"])
def test_sign_in_with_a_next_that_is_not_a_path_goes_to_the_dashboard(client, outsider, password, next_url):
    """?next= that is not a path of this site was taken for a view name by redirect() (a 500)."""
    response = client.post(f"{reverse('accounts:login')}?{urlencode({'next': next_url})}",
                           {"email": outsider.email, "password": password})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:dashboard")


@pytest.mark.parametrize("next_url", ["dashboard", "a\x00b"])
def test_choosing_the_organization_with_a_next_that_is_not_a_path_goes_to_the_dashboard(request, world, next_url):
    client = _client(request, "issuer_admin")
    response = client.post(reverse("accounts:organization-choose"),
                           {"organization": world["bond"].issuer.organization_id, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:dashboard")


#: Pages with a <str:...> segment: the persona allowed to use them and their other args.
STR_SEGMENTS: dict[str, tuple[str, Callable[[dict, str], list]]] = {
    "accounts:password-reset-confirm": ("", lambda w, x: [x, x]),
    "accounts:api-token-revoke": ("issuer_admin", lambda w, x: [x]),
    "accounts:invitation-open": ("", lambda w, x: [w["invitation"][0], x]),
    "accounts:invitation-signup": ("", lambda w, x: [w["invitation"][0], x]),
    "issuance:offering-action": ("issuer_admin", lambda w, x: [w["draft"].pk, x]),
    "issuance:subscription-action": ("issuer_admin", lambda w, x: [w["sub"].pk, x]),
    "ledger:control": ("issuer_admin", lambda w, x: [w["bond"].pk, x]),
    "ledger:request-decide": ("second_officer", lambda w, x: [w["request"].pk, x]),
}


def test_every_str_segment_is_listed():
    found = set()

    def walk(patterns, namespace: str, prefix: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace, route)
            elif p.name and ("<str:" in route or "<uidb64>" in route) and not route.startswith(("api/", "admin/")):
                found.add(namespace + p.name)

    walk(get_resolver().url_patterns, "", "")
    assert found == set(STR_SEGMENTS)


@pytest.mark.parametrize("name", sorted(STR_SEGMENTS))
def test_hostile_path_segments_are_4xx(request, world, name):
    persona, args = STR_SEGMENTS[name]
    client = _client(request, persona)
    before = _fingerprint()
    for segment in ["a\x00b", "x" * 5000, "²", "%00"]:
        url = reverse(name, args=args(world, segment))
        for method in (client.get, client.post):
            try:
                response = method(url)
            except Exception as exc:  # noqa: BLE001
                pytest.fail(f"{method.__name__} {name} {segment!r:.20}: 500 {type(exc).__name__}: {exc}")
            assert response.status_code < 500
    assert _fingerprint() == before
