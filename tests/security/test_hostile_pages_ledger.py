"""Hostile inputs on the ledger, cash, servicing and chain pages:
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
    NOT_A_WALLET,
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


def _expiry() -> str:
    """A datetime-local value two hours ahead (an offer's expiry on the board form)."""
    import datetime as dt

    from django.utils import timezone

    return timezone.localtime(timezone.now() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")


#: Form pages: (url name, label) -> case.
FORMS: dict[tuple[str, str], Case] = {
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
}

#: POST buttons whose only input is the URL's <int:pk> (or nothing): no field to be hostile in.
NO_INPUT = {"chain:outbox-retry", "chain:reconcile", "ledger:offer-cancel", "ledger:settle",
            "ledger:settlement-confirm"}

#: GET pages: hostile query strings only. name -> (persona, args)
READ_ONLY: dict[str, tuple[str, Callable[[dict], list]]] = {
    "ledger:home": ("issuer_admin", lambda w: []),
    "ledger:cap-table": ("issuer_admin", lambda w: [w["bond"].pk]),
    "ledger:cap-table-csv": ("issuer_admin", lambda w: [w["bond"].pk]),
    "ledger:issuer-export": ("issuer_admin", lambda w: [w["bond"].issuer_id, "ocf"]),   # the OCF zip (audited)
    "ledger:holdings": ("verified_investor", lambda w: []),
    "ledger:requests": ("compliance_officer", lambda w: []),
    "ledger:boards": ("verified_investor", lambda w: []),
    "cash:mine": ("verified_investor", lambda w: []),
    "cash:desk": ("cash_agent", lambda w: []),
    "cash:treasury": ("issuer_admin", lambda w: []),
    "chain:mirror": ("operator", lambda w: []),
    "chain:mirror-status": ("operator", lambda w: []),
    "chain:breaks": ("operator", lambda w: []),
    "chain:status": ("verified_investor", lambda w: []),   # JSON for static/js/chain_status.js (?ref=...)
    "servicing:income": ("verified_investor", lambda w: []),
    "servicing:action-lines-csv": ("issuer_admin", lambda w: [_offchain_action(w).pk]),
    "servicing:action-payment-file": ("issuer_admin", lambda w: [_offchain_action(w).pk]),
    "servicing:income-tax": ("verified_investor", lambda w: [_this_year()]),
    "servicing:income-tax-csv": ("verified_investor", lambda w: [_this_year()]),
}

#: Every page with a GET: the read-only pages and the form pages (first case of each).
GET_PAGES = get_pages(FORMS, READ_ONLY)

#: Pages with a <str:...> segment: the persona allowed to use them and their other args.
STR_SEGMENTS: dict[str, tuple[str, Callable[[dict, str], list]]] = {
    "ledger:control": ("issuer_admin", lambda w, x: [w["bond"].pk, x]),
    "ledger:issuer-export": ("issuer_admin", lambda w, x: [w["bond"].issuer_id, x]),
    "ledger:request-decide": ("second_officer", lambda w, x: [w["request"].pk, x]),
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
