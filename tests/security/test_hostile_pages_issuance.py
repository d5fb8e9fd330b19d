"""Hostile inputs on the issuance pages: issuers, members, securities, offerings, subscriptions, the market:
a 4xx or the page again with an error, never a 500, and nothing written
(tests/security/hostile.py has the machinery and the rules; the list of pages is checked
against the URL conf by tests/security/test_hostile_pages.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .hostile import (
    NOT_A_CHOICE,
    NOT_A_DATE,
    NOT_A_NUMBER,
    NOT_AN_EMAIL,
    NOT_AN_ID,
    NUL_TEXT,
    TOO_LONG,
    Case,
    check_form,
    check_queries,
    check_segments,
    get_pages,
    world_build,
)


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
                 "face_value": NOT_A_NUMBER, "coupon_rate": NOT_A_NUMBER,  # share_class: a bond ignores it
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
}

#: POST buttons whose only input is the URL's <int:pk> (or nothing): no field to be hostile in.
NO_INPUT = {"issuance:invitation-revoke", "issuance:issuer-submit"}

#: GET pages: hostile query strings only. name -> (persona, args)
READ_ONLY: dict[str, tuple[str, Callable[[dict], list]]] = {
    "issuance:home": ("issuer_admin", lambda w: []),
    "issuance:issuer-review-list": ("compliance_officer", lambda w: []),
    "issuance:issuer-document": ("issuer_admin", lambda w: [10**6]),
    "issuance:security": ("issuer_admin", lambda w: [w["bond"].pk]),
    "issuance:offering": ("issuer_admin", lambda w: [w["offering"].pk]),
    "issuance:offering-document": ("verified_investor", lambda w: [w["offering"].document("memorandum").pk]),
    "issuance:market": ("verified_investor", lambda w: []),
    "issuance:my-subscriptions": ("verified_investor", lambda w: []),
}

#: Every page with a GET: the read-only pages and the form pages (first case of each).
GET_PAGES = get_pages(FORMS, READ_ONLY)

#: Pages with a <str:...> segment: the persona allowed to use them and their other args.
STR_SEGMENTS: dict[str, tuple[str, Callable[[dict, str], list]]] = {
    "issuance:offering-action": ("issuer_admin", lambda w, x: [w["draft"].pk, x]),
    "issuance:subscription-action": ("issuer_admin", lambda w, x: [w["sub"].pk, x]),
}


@pytest.fixture
def world(request, settings, tmp_path, db):  # db: the test database, before any persona
    return world_build(request, settings, tmp_path)


@pytest.mark.parametrize("key", list(FORMS), ids=[f"{n}{'-' + lbl if lbl else ''}" for n, lbl in FORMS])
def test_form_page_refuses_hostile_input(request, world, key):
    check_form(request, world, key, FORMS[key])


@pytest.mark.parametrize("name", sorted(GET_PAGES))
def test_page_answers_hostile_query_strings(request, world, name):
    check_queries(request, world, name, *GET_PAGES[name])


@pytest.mark.parametrize("name", sorted(STR_SEGMENTS))
def test_hostile_path_segments_are_4xx(request, world, name):
    check_segments(request, world, name, *STR_SEGMENTS[name])
