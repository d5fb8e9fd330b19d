"""Hostile inputs on the accounts, investors and compliance pages (and set_language):
a 4xx or the page again with an error, never a 500, and nothing written
(tests/security/hostile.py has the machinery and the rules; the list of pages is checked
against the URL conf by tests/security/test_hostile_pages.py)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from .hostile import (
    NOT_A_CHOICE,
    NOT_A_DATE,
    NOT_A_NUMBER,
    NOT_A_WALLET,
    NOT_AN_EMAIL,
    NOT_AN_ID,
    NUL_TEXT,
    TOO_LONG,
    WALLET,
    Case,
    check_form,
    check_queries,
    check_segments,
    client_for,
    get_pages,
    world_build,
)

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
    ("accounts:staff", ""): Case("operator", data=lambda w: {"email": "new.operator@example.test", "role": "operator"},
                                 hostile={"email": NOT_AN_EMAIL, "role": NOT_A_CHOICE}),
    ("accounts:staff-join", ""): Case("", args=lambda w: w["staff_invitation"],
                                      data=lambda w: {"full_name": "Keiko", "password": "Correct-horse-9!",
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
    ("compliance:review-tax-profile", ""): Case(
        "compliance_officer", args=lambda w: [w["review"].pk],
        data=lambda w: {"exemption": "treaty", "treaty_rate": "10", "basis": "Treaty form 3"},
        hostile={"exemption": NOT_A_CHOICE, "treaty_rate": [*NOT_A_NUMBER, "100.5", "1.23456"], "basis": TOO_LONG}),
}

#: POST buttons whose only input is the URL's <int:pk> (or nothing): no field to be hostile in.
NO_INPUT = {"accounts:api-token-revoke", "accounts:logout", "accounts:logout-everywhere", "compliance:kyc-submit",
            "investors:wallet-custody", "investors:wallet-remove",
            "accounts:staff-invitation-revoke", "notifications:open", "notifications:read-all"}

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
    "compliance:review": ("compliance_officer", lambda w: [w["review"].pk]),
    "investors:profile": ("unverified_investor", lambda w: []),
    "notifications:list": ("verified_investor", lambda w: []),
}

#: Every page with a GET: the read-only pages and the form pages (first case of each).
GET_PAGES = get_pages(FORMS, READ_ONLY)

#: Pages with a <str:...> segment: the persona allowed to use them and their other args.
STR_SEGMENTS: dict[str, tuple[str, Callable[[dict, str], list]]] = {
    "accounts:password-reset-confirm": ("", lambda w, x: [x, x]),
    "accounts:api-token-revoke": ("issuer_admin", lambda w, x: [x]),
    "accounts:invitation-open": ("", lambda w, x: [w["invitation"][0], x]),
    "accounts:invitation-signup": ("", lambda w, x: [w["invitation"][0], x]),
    "accounts:staff-join": ("", lambda w, x: [w["staff_invitation"][0], x]),
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


@pytest.mark.parametrize("next_url", ["dashboard", "a\x00b", "/a\x00b", "//evil.test/"])
def test_sign_in_with_a_next_that_is_not_a_path_goes_to_the_dashboard(client, outsider, password, next_url):
    """?next= that is not a path of this site was taken for a view name by redirect() (a 500)."""
    response = client.post(f"{reverse('accounts:login')}?{urlencode({'next': next_url})}",
                           {"email": outsider.email, "password": password})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:dashboard")


@pytest.mark.parametrize("next_url", ["dashboard", "a\x00b"])
def test_choosing_the_organization_with_a_next_that_is_not_a_path_goes_to_the_dashboard(request, world, next_url):
    client = client_for(request, "issuer_admin")
    response = client.post(reverse("accounts:organization-choose"),
                           {"organization": world["bond"].issuer.organization_id, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:dashboard")
