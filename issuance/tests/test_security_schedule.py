"""A bond's schedule terms through the service, the form and the API (bad input refused with a
field error, nothing saved), the schedule on the security, offering and market pages, and who
may read GET /api/issuance/securities/<id>/schedule/."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.errors import ApplicationError
from core.models import AuditEvent
from issuance.models import Security
from issuance.services import security_create

from .factories import OfferingFactory, SecurityFactory

BOND = {"face_value": "1000000", "coupon_rate": "1.5", "coupon_frequency": "semiannual", "day_count": "ACT/365F",
        "issue_date": dt.date(2026, 1, 20), "maturity_date": dt.date(2028, 11, 5)}


@pytest.fixture
def api():
    return APIClient()


def _create(issuer, actor, **terms):
    return security_create(issuer=issuer, kind="bond", name="Schedule Bond", symbol="SCH28", currency="JPY",
                           terms={**BOND, **terms}, rules={}, actor=actor)


# --- the service ---------------------------------------------------------------------------------

def test_schedule_terms_are_stored_and_give_the_schedule(issuer, issuer_admin, issuer_member):
    bond = _create(issuer, issuer_admin, first_coupon_date=dt.date(2026, 11, 5), calendar="japan",
                   payment_convention="following", end_of_month=False, accrual_adjusted=False,
                   coupon_rounding="down", record_days=2)
    assert (bond.first_coupon_date, bond.calendar, bond.payment_convention, bond.coupon_rounding,
            bond.record_days) == (dt.date(2026, 11, 5), "japan", "following", "down", 2)
    api = APIClient()
    api.force_authenticate(issuer_member)
    body = api.get(f"/api/issuance/securities/{bond.pk}/schedule/").json()
    first = body["periods"][0]
    # A long first period 20 Jan - 5 Nov 2026 (289 days): 1,000,000 x 1.5% x 289/365 = 11,876.7.. -> down 11,876
    assert (first["accrual_start"], first["accrual_end"], first["fraction"], first["per_unit"], first["is_stub"]) == (
        "2026-01-20", "2026-11-05", "289/365", "11876", True)
    assert (first["record_date"], first["ex_date"], first["payment_date"]) == ("2026-11-02", "2026-11-04",
                                                                               "2026-11-05")
    assert len(body["periods"]) == 5
    assert body["redemption"] == {"record_date": "2028-11-01", "ex_date": "2028-11-02", "payment_date": "2028-11-06",
                                  "price": "100.0000", "principal_per_unit": "1000000"}
    assert body["terms"]["calendar"] == "japan" and body["terms"]["coupon_rounding"] == "down"


def test_blank_calendar_and_convention_take_the_currency_defaults(issuer, issuer_admin, issuer_member):
    bond = _create(issuer, issuer_admin)
    assert (bond.calendar, bond.payment_convention, bond.coupon_rounding, bond.record_days) == ("", "", "half_up", 1)
    api = APIClient()
    api.force_authenticate(issuer_member)
    terms = api.get(f"/api/issuance/securities/{bond.pk}/schedule/").json()["terms"]
    assert (terms["calendar"], terms["payment_convention"]) == ("japan", "preceding")


@pytest.mark.parametrize(("terms", "code", "field"), [
    ({"first_coupon_date": dt.date(2029, 1, 5)}, "first_coupon_outside", "first_coupon_date"),
    ({"first_coupon_date": dt.date(2026, 1, 20)}, "first_coupon_outside", "first_coupon_date"),
    ({"first_coupon_date": dt.date(2026, 6, 1)}, "coupon_dates_off_cycle", "first_coupon_date"),
    ({"first_coupon_date": dt.date(2027, 5, 5)}, "stub_too_long", "first_coupon_date"),
    ({"last_coupon_date": dt.date(2028, 12, 1)}, "last_coupon_outside", "last_coupon_date"),
    ({"first_coupon_date": dt.date(2027, 5, 5), "last_coupon_date": dt.date(2026, 11, 5)},
     "last_coupon_before_first", "last_coupon_date"),
    ({"first_coupon_date": "2026-11-05"}, "invalid_date", "first_coupon_date"),
    ({"calendar": "target"}, "invalid_choice", "calendar"),
    ({"payment_convention": "nearest"}, "invalid_choice", "payment_convention"),
    ({"coupon_rounding": "half_even"}, "invalid_choice", "coupon_rounding"),
    ({"end_of_month": "yes"}, "invalid_choice", "end_of_month"),
    ({"record_days": 0}, "invalid_record_days", "record_days"),
    ({"record_days": 31}, "invalid_record_days", "record_days"),
    ({"record_days": "2"}, "invalid_record_days", "record_days"),
    ({"record_days": True}, "invalid_record_days", "record_days"),
    ({"maturity_date": dt.date(9999, 12, 31)}, "date_out_of_range", "maturity_date"),
])
def test_bad_schedule_terms_are_refused_and_nothing_is_saved(issuer, issuer_admin, terms, code, field):
    with pytest.raises(ApplicationError) as error:
        _create(issuer, issuer_admin, **terms)
    assert error.value.code == code
    assert field in error.value.fields
    assert not Security.objects.exists()


# --- the form ------------------------------------------------------------------------------------------

FORM = {"kind": "bond", "name": "Form Bond", "symbol": "FRM28", "currency": "JPY", "regulation": "none",
        "face_value": "1000000", "coupon_rate": "1.5", "coupon_frequency": "semiannual", "day_count": "ACT/365F",
        "issue_date": "2026-01-20", "maturity_date": "2028-11-05", "redemption_price": "100", "coupon_rounding": "",
        "record_days": "1", "calendar": "", "payment_convention": ""}


def test_form_refuses_a_first_coupon_after_maturity(login_verified, issuer_admin, issuer):
    client = login_verified(issuer_admin)
    response = client.post(reverse("issuance:security-create"), {**FORM, "first_coupon_date": "2029-01-05"})
    assert response.status_code == 400
    assert "The first coupon date must be after the issue date and no later than maturity." in \
        response.content.decode()
    assert not Security.objects.exists()


def test_form_refuses_a_record_date_too_far_before_payment(login_verified, issuer_admin, issuer):
    client = login_verified(issuer_admin)
    response = client.post(reverse("issuance:security-create"), {**FORM, "record_days": "45"})
    assert response.status_code == 400
    assert not Security.objects.exists()


def test_form_creates_a_bond_with_its_schedule_terms(login_verified, issuer_admin, issuer):
    client = login_verified(issuer_admin)
    response = client.post(reverse("issuance:security-create"), {
        **FORM, "first_coupon_date": "2026-11-05", "calendar": "none", "payment_convention": "modified_following",
        "end_of_month": "on", "coupon_rounding": "down", "record_days": "3"})
    bond = Security.objects.get()
    assert response.url == reverse("issuance:security", args=[bond.pk])
    assert (bond.first_coupon_date, bond.calendar, bond.payment_convention, bond.end_of_month, bond.coupon_rounding,
            bond.record_days) == (dt.date(2026, 11, 5), "none", "modified_following", True, "down", 3)


# --- the API input --------------------------------------------------------------------------------------

API_TERMS = {**BOND, "issue_date": "2026-01-20", "maturity_date": "2028-11-05"}


@pytest.mark.parametrize(("terms", "code", "field"), [
    ({"first_coupon_date": "2029-01-05"}, "first_coupon_outside", "first_coupon_date"),
    ({"first_coupon_date": "5 Nov 2026"}, "invalid", "terms"),
    ({"calendar": "target"}, "invalid", "terms"),
    ({"record_days": 0}, "invalid", "terms"),
    ({"record_days": 1.5}, "invalid", "terms"),
    ({"end_of_month": 1}, "invalid", "terms"),
    ({"coupon_rounding": "up"}, "invalid", "terms"),
])
def test_api_refuses_bad_schedule_terms(api, issuer_member, issuer, terms, code, field):
    api.force_authenticate(issuer_member)
    response = api.post("/api/issuance/securities/", {"kind": "bond", "name": "API Bond", "symbol": "API28",
                                                      "currency": "JPY", "terms": {**API_TERMS, **terms}},
                        format="json")
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == code and field in error["fields"]
    assert not Security.objects.exists()


def test_api_creates_a_bond_with_schedule_terms(api, issuer_member, issuer):
    api.force_authenticate(issuer_member)
    response = api.post("/api/issuance/securities/", {
        "kind": "bond", "name": "API Bond", "symbol": "API28", "currency": "USD",
        "terms": {**API_TERMS, "face_value": "1000", "day_count": "30/360", "calendar": "", "end_of_month": False,
                  "first_coupon_date": None, "record_days": 2}}, format="json")
    assert response.status_code == 201, response.json()
    body = api.get(f"/api/issuance/securities/{response.json()['id']}/schedule/").json()
    assert (body["terms"]["calendar"], body["terms"]["payment_convention"]) == ("united_states", "following")
    # a short first period 20 Jan - 5 May 2026: 30/360 bond basis 105 days; 1000 x 1.5% x 105/360 = 4.375 -> 4.38
    assert (body["periods"][0]["fraction"], body["periods"][0]["per_unit"]) == ("7/24", "4.38")


# --- who reads the schedule ------------------------------------------------------------------------------

def test_issuer_people_and_staff_read_the_schedule(api, login_verified, issuer_member, compliance_officer, bond):
    api.force_authenticate(issuer_member)
    response = api.get(f"/api/issuance/securities/{bond.pk}/schedule/")
    assert response.status_code == 200 and response.json()["security"] == bond.pk
    response = login_verified(compliance_officer).get(f"/api/issuance/securities/{bond.pk}/schedule/")
    assert response.status_code == 200 and response.json()["security"] == bond.pk


def test_investor_reads_the_schedule_of_a_published_offering_only(api, verified_investor, bond, issuer_admin):
    api.force_authenticate(verified_investor)
    assert api.get(f"/api/issuance/securities/{bond.pk}/schedule/").status_code == 404
    assert AuditEvent.objects.filter(action="access_denied", actor=verified_investor).exists()
    OfferingFactory(security=bond, status="draft")
    assert api.get(f"/api/issuance/securities/{bond.pk}/schedule/").status_code == 404
    OfferingFactory(security=bond)      # published
    response = api.get(f"/api/issuance/securities/{bond.pk}/schedule/")
    assert response.status_code == 200
    assert len(response.json()["periods"]) == 10


def test_other_issuers_member_gets_404(api, issuer_member, other_offering):
    other_offering.status = "draft"
    other_offering.save(update_fields=["status"])
    api.force_authenticate(issuer_member)
    response = api.get(f"/api/issuance/securities/{other_offering.security_id}/schedule/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_signed_out_is_refused(api, bond):
    assert api.get(f"/api/issuance/securities/{bond.pk}/schedule/").status_code in (401, 403)


def test_only_bonds_have_a_schedule(api, issuer_member, issuer):
    equity = SecurityFactory(issuer=issuer, kind="equity", face_value=None, coupon_rate=None, coupon_frequency="",
                             day_count="", issue_date=None, maturity_date=None, share_class="A",
                             authorized_shares=1000)
    api.force_authenticate(issuer_member)
    response = api.get(f"/api/issuance/securities/{equity.pk}/schedule/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_a_bond"
    assert api.get("/api/issuance/securities/999999/schedule/").status_code == 404


def test_stored_terms_without_a_schedule_answer_409_and_the_page_says_why(api, login_verified, issuer_admin,
                                                                         issuer_member, issuer):
    broken = SecurityFactory(issuer=issuer, first_coupon_date=dt.date(2026, 6, 1))   # off the coupon cycle
    api.force_authenticate(issuer_member)
    response = api.get(f"/api/issuance/securities/{broken.pk}/schedule/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "coupon_dates_off_cycle"
    page = login_verified(issuer_admin).get(reverse("issuance:security", args=[broken.pk]))
    assert page.status_code == 200
    assert 'data-testid="schedule-error"' in page.content.decode()


# --- the pages -------------------------------------------------------------------------------------------

def test_security_page_shows_the_schedule_with_the_redemption(login_verified, issuer_admin, bond):
    # The factory's bond: 100,000 JPY, 1.25% semi-annual ACT/365F, 1 Apr 2026 - 31 Mar 2031.
    page = login_verified(issuer_admin).get(reverse("issuance:security", args=[bond.pk])).content.decode()
    assert 'data-testid="schedule-table"' in page
    # first period 1 Apr - 30 Sep 2026, 182 days: 100,000 x 1.25% x 182/365 = 623.28.. -> 623 JPY;
    # paid Wed 30 Sep 2026, record date Tue 29 Sep
    first = page.split('data-testid="schedule-period-1"')[1].split("</tr>")[0]
    assert all(text in first for text in ("2026-04-01", "2026-09-30", "182/365", "2026-09-29", "623 JPY", "stub"))
    redemption = page.split('data-testid="schedule-redemption"')[1].split("</tr>")[0]
    assert "100000 JPY" in redemption and "2031-03-31" in redemption
    assert page.count('data-testid="schedule-period-') == 10
    rules = page.split('data-testid="schedule-rules"')[1].split("</p>")[0]
    assert all(text in rules for text in ("Calendar: Japan", "Payment date on a holiday: Preceding",
                                          "Rounding: Half up", "Record date (business days before payment): 1"))


def test_market_offering_page_shows_the_terms_and_schedule_to_investors(client, verified_investor, offering):
    client.force_login(verified_investor)
    page = client.get(reverse("issuance:market-offering", args=[offering.pk])).content.decode()
    assert 'data-testid="instrument-terms"' in page and 'data-testid="schedule-table"' in page
    assert "1.25%" in page and "100000 JPY" in page


def test_offering_page_shows_the_schedule_in_japanese(login_verified, issuer_admin, offering):
    client = login_verified(issuer_admin)
    client.cookies["django_language"] = "ja"
    page = client.get(reverse("issuance:offering", args=[offering.pk]), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "利払スケジュール" in page and "基準日" in page and "端数期間" in page
    assert "Coupon schedule" not in page and "Amount per unit" not in page


def test_zero_coupon_bond_page_lists_no_coupons_but_the_redemption(login_verified, issuer_admin, issuer):
    zero = SecurityFactory(issuer=issuer, coupon_rate=Decimal(0), redemption_price=Decimal("101.5"))
    page = login_verified(issuer_admin).get(reverse("issuance:security", args=[zero.pk])).content.decode()
    assert "No coupons (zero-coupon bond)." in page
    assert "101500 JPY" in page and ": 101.5" in page


def test_a_cash_token_is_not_an_issuers_security(api, issuer, issuer_admin, issuer_member):
    # The cash agent's tokens are defined in the ledger (ledger.services.cash), never here: a clear
    # 400, not a crash on the missing token decimals.
    with pytest.raises(ApplicationError) as error:
        security_create(issuer=issuer, kind="cash", name="Yen", symbol="JPYC", currency="JPY", terms={}, rules={},
                        actor=issuer_admin)
    assert error.value.code == "invalid_kind"
    api.force_authenticate(issuer_member)
    response = api.post("/api/issuance/securities/", {"kind": "cash", "name": "Yen", "symbol": "JPYC",
                                                      "currency": "JPY"}, format="json")
    assert response.status_code == 400 and "kind" in response.json()["error"]["fields"]
    assert not Security.objects.exists()
