"""The paying agent's API: list and declare a security's actions, read one with its lines page
by page, approve (four eyes), cancel, pay now, mark off-chain lines paid, the payment file.
Every write gets bad input (400 with a code); roles as on the pages (404 for what the caller
may not see, 403 for a step the role may not take)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from core.clock import business_today
from servicing.models import CorporateAction, EntitlementLine

from .pages import action_make, lines_make, other_issuer_admin, signed_in

pytestmark = pytest.mark.django_db


def _declare_body(**fields) -> dict:
    today = business_today()
    return {"kind": "dividend", "record_date": (today + dt.timedelta(days=5)).isoformat(),
            "payment_date": (today + dt.timedelta(days=10)).isoformat(), "per_unit_amount": "50",
            "method": "offchain", **fields}


def _post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def test_a_chain_payment_needs_a_deployed_token(equity, issuer_admin):
    response = _post(signed_in(issuer_admin), f"/api/servicing/securities/{equity.pk}/actions/",
                     _declare_body(method="chain"))
    assert (response.status_code, response.json()["error"]["code"]) == (400, "chain_unavailable")


def test_issuer_admin_declares_a_dividend_and_lists_it(equity, issuer_admin):
    client = signed_in(issuer_admin)
    response = _post(client, f"/api/servicing/securities/{equity.pk}/actions/", _declare_body())
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["status"], body["per_unit_amount"]) == ("dividend", "scheduled", "50.000000")
    assert body["created_by"] == issuer_admin.email and body["approved_by"] is None
    listed = client.get(f"/api/servicing/securities/{equity.pk}/actions/").json()
    assert [a["id"] for a in listed["results"]] == [body["id"]] and listed["next"] is None
    assert client.get(f"/api/servicing/securities/{equity.pk}/actions/", {"status": "paid"}).json()["results"] == []


@pytest.mark.parametrize(("change", "code"), [
    ({"per_unit_amount": "1e400"}, "invalid"),
    ({"per_unit_amount": 50}, "invalid"),
    ({"record_date": "2026-02-30"}, "invalid"),
    ({"kind": "coupon"}, "invalid"),
    ({"surprise": 1}, "invalid"),
    ({"call_units": "1.5"}, "invalid"),
    ({"kind": "call"}, None),           # a call on shares: the service's own code
    ({"per_unit_amount": "0"}, None),
    ({"record_date": "2000-01-01"}, None),
])
def test_declare_refuses_bad_input_with_a_code(equity, issuer_admin, change, code):
    response = _post(signed_in(issuer_admin), f"/api/servicing/securities/{equity.pk}/actions/",
                     _declare_body(**change))
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code if code else error["code"] not in ("", "invalid", "error")
    assert not CorporateAction.objects.exists()


def test_declare_by_the_wrong_people(equity, issuer_member, compliance_officer, verified_investor):
    url = f"/api/servicing/securities/{equity.pk}/actions/"
    assert _post(signed_in(issuer_member), url, _declare_body()).json()["error"]["code"] == "admin_required"
    assert _post(signed_in(compliance_officer), url, _declare_body()).status_code == 403
    assert _post(signed_in(verified_investor), url, _declare_body()).status_code == 404
    assert _post(signed_in(other_issuer_admin()), url, _declare_body()).status_code == 404
    assert not CorporateAction.objects.exists()


def test_action_and_its_lines_page_by_page(bond_held, holders, issuer_admin):
    action = action_make(bond_held)
    lines_make(action, [(holders.jp, holders.jp_wallet, 10), (holders.corp, holders.corp_wallet, 20),
                        (holders.us, holders.us_wallet, 30)])
    client = signed_in(issuer_admin)
    body = client.get(f"/api/servicing/actions/{action.pk}/").json()
    assert (body["line_count"], body["lines_paid"], body["net_total"]) == (3, 0, f"{action.net_total:.2f}")
    page = client.get(f"/api/servicing/actions/{action.pk}/lines/", {"limit": 2}).json()
    assert (page["count"], len(page["results"]), page["previous"]) == (3, 2, None)
    page2 = client.get(f"/api/servicing/actions/{action.pk}/lines/", {"limit": 2, "cursor": page["next"]}).json()
    assert [r["units"] for r in page2["results"]] == ["30"] and page2["next"] is None and page2["count"] == 3
    assert page2["results"][0]["gross"] == "30000.00"
    for bad, code in (({"limit": "0"}, "invalid_limit"), ({"limit": "100000"}, "invalid_limit"),
                      ({"status": "nope"}, "invalid_filter"), ({"cursor": "x"}, "invalid_cursor"),
                      ({"cursor": page["next"], "status": "due"}, "invalid_cursor")):
        response = client.get(f"/api/servicing/actions/{action.pk}/lines/", bad)
        assert response.status_code == 400 and response.json()["error"]["code"] == code


def test_others_get_404_for_an_action(bond_held, verified_investor):
    action = action_make(bond_held)
    for user in (verified_investor, other_issuer_admin()):
        client = signed_in(user)
        assert client.get(f"/api/servicing/actions/{action.pk}/").status_code == 404
        assert client.get(f"/api/servicing/actions/{action.pk}/lines/").status_code == 404
        assert _post(client, f"/api/servicing/actions/{action.pk}/pay/").status_code == 404


def test_approve_four_eyes(equity, issuer_admin, compliance_officer, cash_agent):
    client = signed_in(issuer_admin)
    action = _post(client, f"/api/servicing/securities/{equity.pk}/actions/", _declare_body()).json()
    url = f"/api/servicing/actions/{action['id']}/approve/"
    assert _post(client, url).status_code == 403          # the issuer admin is no approver
    response = _post(signed_in(compliance_officer), url)
    assert response.status_code == 200 and response.json()["approved_by"] == compliance_officer.email
    assert _post(signed_in(cash_agent), url).status_code == 409   # already approved


def test_the_creator_cannot_approve(bond_held, compliance_officer):
    action = action_make(bond_held, created_by=compliance_officer)
    response = _post(signed_in(compliance_officer), f"/api/servicing/actions/{action.pk}/approve/")
    assert response.status_code in (400, 403, 409)
    assert response.json()["error"]["code"] == "four_eyes_required"
    action.refresh_from_db()
    assert action.approved_by is None


def test_approve_refuses_a_body_that_is_not_an_object(bond_held, issuer_admin, compliance_officer):
    action = action_make(bond_held, created_by=issuer_admin)
    response = signed_in(compliance_officer).post(f"/api/servicing/actions/{action.pk}/approve/", "[1]",
                                                  content_type="application/json")
    assert response.status_code == 400
    action.refresh_from_db()
    assert action.approved_by is None


@pytest.mark.parametrize(("body", "code"), [({}, "invalid"), ({"reason": 5}, "invalid"),
                                            ({"reason": "   "}, "reason_required"),
                                            ({"reason": "x" * 2001}, "invalid")])
def test_cancel_refuses_bad_input(bond_held, issuer_admin, body, code):
    action = action_make(bond_held)
    response = _post(signed_in(issuer_admin), f"/api/servicing/actions/{action.pk}/cancel/", body)
    assert (response.status_code, response.json()["error"]["code"]) == (400, code)
    action.refresh_from_db()
    assert action.status == CorporateAction.Status.SCHEDULED


def test_issuer_admin_cancels_with_a_reason(bond_held, issuer_admin):
    action = action_make(bond_held)
    response = _post(signed_in(issuer_admin), f"/api/servicing/actions/{action.pk}/cancel/", {"reason": "Twice"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


def test_pay_now_says_why_nothing_is_paid(bond_held, holders, issuer_admin):
    action = action_make(bond_held)
    lines_make(action, [(holders.jp, holders.jp_wallet, 10)])
    response = _post(signed_in(issuer_admin), f"/api/servicing/actions/{action.pk}/pay/")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "not_approved")


def _offchain(bond_held, holders, approver):
    action = action_make(bond_held, method=CorporateAction.Method.OFFCHAIN, approved_by=approver,
                         approved_at=dt.datetime.now(dt.UTC), payment_date=business_today(),
                         record_date=business_today(), ex_date=business_today())
    lines_make(action, [(holders.jp, holders.jp_wallet, 10), (holders.us, holders.us_wallet, 30)])
    return action


def test_offchain_payment_file_and_mark_paid(bond_held, holders, issuer_admin, compliance_officer):
    action = _offchain(bond_held, holders, compliance_officer)
    client = signed_in(issuer_admin)
    response = client.get(f"/api/servicing/actions/{action.pk}/payment-file/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert holders.jp_wallet.address in text and holders.us_wallet.address in text
    first = action.lines.order_by("id").first()
    response = _post(client, f"/api/servicing/actions/{action.pk}/mark-paid/", {"reference": "BANK-1",
                                                                               "lines": [first.pk]})
    assert response.status_code == 200 and response.json()["lines_paid"] == 1
    response = _post(client, f"/api/servicing/actions/{action.pk}/mark-paid/", {"reference": "BANK-2"})
    assert response.json()["status"] == "paid"
    assert set(EntitlementLine.objects.values_list("paid_reference", flat=True)) == {"BANK-1", "BANK-2"}


@pytest.mark.parametrize("body", [{}, {"reference": ""}, {"reference": "x" * 101}, {"reference": 7},
                                  {"reference": "B", "lines": "1"}, {"reference": "B", "lines": ["a"]},
                                  {"reference": "B", "lines": [0]}, {"reference": "B", "extra": 1}])
def test_mark_paid_refuses_bad_input(bond_held, holders, issuer_admin, compliance_officer, body):
    action = _offchain(bond_held, holders, compliance_officer)
    response = _post(signed_in(issuer_admin), f"/api/servicing/actions/{action.pk}/mark-paid/", body)
    assert response.status_code == 400
    assert response.json()["error"]["code"]
    assert not EntitlementLine.objects.filter(status="paid").exists()


def test_mark_paid_refuses_a_chain_action(bond_held, holders, issuer_admin):
    action = action_make(bond_held)
    lines_make(action, [(holders.jp, holders.jp_wallet, 10)])
    response = _post(signed_in(issuer_admin), f"/api/servicing/actions/{action.pk}/mark-paid/", {"reference": "B"})
    assert 400 <= response.status_code < 500
    assert response.json()["error"]["code"] == "not_offchain"


def test_the_api_needs_a_signed_in_caller(bond_held):
    action = action_make(bond_held)
    assert APIClient().get(f"/api/servicing/actions/{action.pk}/").status_code in (401, 403)
    assert Decimal(action.per_unit_amount) == Decimal("1000")
