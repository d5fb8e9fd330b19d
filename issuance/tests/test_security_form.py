"""The new-security page: only the chosen instrument's fields count, every problem is reported
at once, nothing is preselected by guess, required fields are marked, and the messages are
written for people (in Japanese on a Japanese page)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from core.errors import ApplicationError
from core.money import to_base_units
from issuance.models import Security
from issuance.services import security_create

URL = reverse("issuance:security-create")
COMMON = {"name": "Form Security", "symbol": "FRM1", "currency": "JPY", "regulation": "none"}
EQUITY = {"kind": "equity", "share_class": "A", "authorized_shares": "1000", "par_value": "50"}
BOND = {"kind": "bond", "face_value": "100000", "coupon_rate": "1.5", "coupon_frequency": "semiannual",
        "day_count": "ACT/365F", "issue_date": "2027-04-01", "maturity_date": "2032-03-31", "redemption_price": "100",
        "record_days": "1"}
FUND = {"kind": "fund", "nav_per_unit": "1000", "dealing_frequency": "daily"}
#: What a browser without the script sends for the groups of the instruments not chosen.
JUNK = {"share_class": "x" * 500, "par_value": "abc", "authorized_shares": "-3", "face_value": "abc",
        "coupon_rate": "abc", "coupon_frequency": "weekly", "day_count": "nope", "issue_date": "not a date",
        "maturity_date": "not a date", "record_days": "99", "nav_per_unit": "abc", "dealing_frequency": "hourly"}


@pytest.fixture
def admin_client(login_verified, issuer_admin, issuer):
    return login_verified(issuer_admin)


def _errors(response) -> dict:
    return {name: [str(e) for e in errors] for name, errors in response.context["form"].errors.items()}


def test_an_empty_bond_gets_every_missing_field_at_once(admin_client):
    response = admin_client.post(URL, {"kind": "bond", "face_value": "abc", "min_holding": "1.5"})
    assert response.status_code == 400
    assert set(_errors(response)) == {"name", "symbol", "currency", "regulation", "face_value", "coupon_rate",
                                      "coupon_frequency", "day_count", "issue_date", "maturity_date"}
    assert not Security.objects.exists()


def test_the_service_reports_every_problem_at_once_with_the_first_ones_code(issuer, issuer_admin):
    with pytest.raises(ApplicationError) as err:
        security_create(issuer=issuer, kind="bond", name="", symbol="no-good", currency="JPY", regulation="none",
                        terms={"face_value": "1.5", "coupon_rate": "101"}, rules={"min_holding": "0.5"},
                        actor=issuer_admin)
    assert err.value.code == "required" and err.value.status == 400  # the name, checked first as before
    assert {"name", "symbol", "face_value", "coupon_rate", "coupon_frequency", "day_count", "issue_date",
            "maturity_date", "min_holding"} <= set(err.value.fields)
    assert err.value.fields["face_value"] == ["Amounts in JPY have no decimal places: enter a whole number."]


def test_a_taken_symbol_is_still_a_conflict_and_shows_on_its_field(admin_client, issuer, issuer_admin):
    admin_client.post(URL, {**COMMON, **EQUITY})
    response = admin_client.post(URL, {**COMMON, **EQUITY, "authorized_shares": ""})
    assert set(_errors(response)) == {"authorized_shares"}
    response = admin_client.post(URL, {**COMMON, **EQUITY})
    assert _errors(response) == {"symbol": ["You already have a security with this symbol."]}
    with pytest.raises(ApplicationError) as err:
        security_create(issuer=issuer, kind="fund", name="Again", symbol="FRM1", currency="JPY", terms={}, rules={},
                        actor=issuer_admin)
    assert err.value.code == "symbol_taken" and err.value.status == 409
    assert set(err.value.fields) == {"symbol", "nav_per_unit", "dealing_frequency"}


@pytest.mark.parametrize(("terms", "stored"), [
    (EQUITY, {"share_class": "A", "authorized_shares": 1000, "face_value": None, "nav_per_unit": None}),
    (BOND, {"share_class": "", "face_value": 100000, "coupon_frequency": "semiannual", "nav_per_unit": None}),
    (FUND, {"share_class": "", "face_value": None, "nav_per_unit": 1000, "dealing_frequency": "daily"}),
])
def test_each_instrument_reads_only_its_own_fields(admin_client, terms, stored):
    own = {k: v for k, v in terms.items() if k != "kind"}
    response = admin_client.post(URL, {**COMMON, **JUNK, **own, "kind": terms["kind"]})
    assert response.status_code == 302, _errors(response)
    security = Security.objects.get()
    assert security.kind == terms["kind"]
    assert {field: getattr(security, field) for field in stored} == stored


def test_nothing_is_preselected_by_guess(admin_client):
    page = admin_client.get(URL).content.decode()
    for name in ("kind", "currency", "regulation", "coupon_frequency", "day_count", "dealing_frequency"):
        select = re.search(rf'<select name="{name}"[^>]*>\s*<option value=""( selected)?>', page)
        assert select, f"{name} does not start with an empty choice"
    assert not re.search(r'<option value="(bond|JPY|none)" selected>', page)


def test_the_jurisdiction_list_starts_empty_not_at_afghanistan(login_verified, issuer_admin, issuer_org):
    from issuance.forms import IssuerForm

    first = IssuerForm().fields["jurisdiction"].choices[0]
    assert first == ("", "—")
    assert IssuerForm({"legal_name": "X", "registration_number": "1", "address": "A", "representatives": "B"}
                      ).errors["jurisdiction"]


def test_required_fields_are_marked(admin_client):
    page = admin_client.get(URL).content.decode()
    assert "Fields marked * are required." in page
    assert re.search(r'<input type="text" name="name"[^>]* required', page)
    # required for its instrument only: the script sets `required` when the group shows
    assert re.search(r'name="face_value"[^>]*aria-required="true"[^>]*data-required', page) or \
        re.search(r'name="face_value"[^>]*data-required[^>]*aria-required="true"', page)
    assert not re.search(r'name="face_value"[^>]* required', page)
    assert page.count('class="required-mark"') >= 4 + 2 + 6 + 2  # general + share + bond + fund fields
    for group in ("equity-terms", "bond-terms", "bond-dates", "fund-terms", "rules"):
        assert f'data-group="{group}"' in page
    assert "js/security_form.js" in page


def test_messages_are_in_japanese_on_a_japanese_page(admin_client):
    admin_client.cookies["django_language"] = "ja"
    response = admin_client.post(URL, {**COMMON, **BOND, "min_holding": "1.5", "face_value": "100.5"},
                                 HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 400
    errors = _errors(response)
    assert errors["min_holding"] == ["この銘柄は小数点以下の単位がありません。整数で入力してください。"]
    assert errors["face_value"] == ["JPYの金額に小数点以下はありません。整数で入力してください。"]
    page = response.content.decode()
    assert "* の付いた項目は必須です。" in page and "社債の条件" in page


@pytest.mark.parametrize(("value", "decimals", "english", "japanese"), [
    ("-5", 0, "Enter a number of units of zero or more.", "0以上の数量を入力してください。"),
    ("1.5", 0, "This security has no decimal places: enter a whole number.",
     "この銘柄は小数点以下の単位がありません。整数で入力してください。"),
    ("1.1234567", 6, "Enter at most 6 decimal places.", "小数点以下は6桁以内で入力してください。"),
    ("1e90", 0, "This amount is too large.", "数値が大きすぎます。"),
    ("abc", 0, "Enter a number in digits, such as 1500 or 12.5.", "1500 や 12.5 のように半角数字で入力してください。"),
])
def test_token_amount_messages_say_what_to_type(value, decimals, english, japanese):
    for language, expected in (("en", english), ("ja", japanese)):
        with translation.override(language), pytest.raises(ApplicationError) as err:
            to_base_units(value, decimals)
        assert err.value.message == expected and err.value.code == "invalid_amount"
