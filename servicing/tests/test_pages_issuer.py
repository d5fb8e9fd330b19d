"""The issuer's servicing pages: a security's corporate actions (schedule, upcoming with the
funds check, past, the declare form) and an action's payment run (totals, progress, lines,
CSV, pay now, the off-chain payment file and bank reference), as each role sees them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from core.audit import AuditEvent
from core.clock import business_today
from servicing.models import CorporateAction, EntitlementLine

from .pages import action_make, lines_make, other_issuer_admin, signed_in

pytestmark = pytest.mark.django_db


def _page(client, security):
    return client.get(reverse("servicing:security", args=[security.pk]))


# --------------------------------------------------------------------------- who sees the pages


def test_issuer_admin_sees_the_schedule_upcoming_and_past_actions(bond_held, issuer_admin):
    upcoming = action_make(bond_held, sequence=1)
    action_make(bond_held, sequence=2, status=CorporateAction.Status.PAID, gross_total=Decimal("1200"),
                withheld_total=Decimal("243"), net_total=Decimal("957"), line_count=3)
    response = _page(signed_in(issuer_admin), bond_held)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-testid="period"') == 4          # two years, semi-annual
    assert page.count('data-testid="upcoming-action"') == 1
    assert reverse("servicing:action", args=[upcoming.pk]) in page
    assert page.count('data-testid="past-action"') == 1 and "957" in page
    assert "Awaiting approval" in page


@pytest.mark.parametrize("persona", ["verified_investor", "outsider"])
def test_investors_get_404_on_the_issuer_pages(request, bond_held, persona):
    user = request.getfixturevalue(persona)
    action = action_make(bond_held)
    client = signed_in(user)
    for url in (reverse("servicing:security", args=[bond_held.pk]), reverse("servicing:action", args=[action.pk]),
                reverse("servicing:action-lines-csv", args=[action.pk])):
        assert client.get(url).status_code == 404
    assert AuditEvent.objects.filter(action="access_denied", actor=user).count() == 3


def test_another_issuers_admin_gets_404_like_an_unknown_id(bond_held):
    action = action_make(bond_held)
    client = signed_in(other_issuer_admin())
    assert _page(client, bond_held).status_code == 404
    assert client.get(reverse("servicing:action", args=[action.pk])).status_code == 404
    assert client.post(reverse("servicing:action", args=[action.pk]), {"step": "pay"}).status_code == 404
    assert client.get(reverse("servicing:action", args=[10**9])).status_code == 404


def test_member_and_compliance_read_without_the_declare_form(equity, issuer_member, compliance_officer):
    for user in (issuer_member, compliance_officer):
        response = _page(signed_in(user), equity)
        assert response.status_code == 200
        assert 'data-testid="declare-form"' not in response.content.decode()


# --------------------------------------------------------------------------- funds check


def test_upcoming_action_warns_when_the_paying_account_is_short(bond_held, issuer_admin, cash_jpy, cash_agent):
    from .conftest import treasury_fund

    action_make(bond_held, per_unit_amount=Decimal("1000"))   # 60 units outstanding: 60,000 JPY estimated
    treasury_fund(bond_held.issuer, "50000", admin=issuer_admin, agent=cash_agent)
    client = signed_in(issuer_admin)
    page = _page(client, bond_held).content.decode()
    assert 'data-testid="funds-short"' in page and "10000" in page   # deposit 10,000 more
    treasury_fund(bond_held.issuer, "10000", admin=issuer_admin, agent=cash_agent)
    page = _page(client, bond_held).content.decode()
    assert 'data-testid="funds-short"' not in page and 'data-testid="funds-ok"' in page


def test_without_a_cash_token_the_page_says_there_is_no_paying_account(bond_held, issuer_admin):
    action_make(bond_held)
    page = _page(signed_in(issuer_admin), bond_held).content.decode()
    assert 'data-testid="funds-none"' in page


# --------------------------------------------------------------------------- declare form


def test_declare_form_offers_the_instruments_kind(equity, fund, bond, issuer_admin):
    client = signed_in(issuer_admin)
    for security, kind in ((equity, "dividend"), (fund, "distribution"), (bond, "call")):
        page = _page(client, security).content.decode()
        assert 'data-testid="declare-form"' in page
        assert f'value="{kind}"' in page
        assert all(f'value="{k}"' not in page for k in {"dividend", "distribution", "call"} - {kind})


@pytest.mark.parametrize(("field", "value"), [
    ("record_date", "2026-02-30"), ("record_date", "9" * 200), ("payment_date", ""), ("per_unit_amount", "1e400"),
    ("per_unit_amount", "-5"), ("per_unit_amount", "1,000"), ("call_units", "1.5"), ("kind", "coupon"),
    ("method", "cheque"),
])
def test_declare_form_shows_bad_input_in_the_page_and_writes_nothing(equity, issuer_admin, field, value):
    today = business_today()
    data = {"kind": "dividend", "record_date": (today + dt.timedelta(days=5)).isoformat(),
            "payment_date": (today + dt.timedelta(days=10)).isoformat(), "per_unit_amount": "50", "method": "chain",
            field: value}
    response = signed_in(issuer_admin).post(reverse("servicing:security", args=[equity.pk]), data)
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not CorporateAction.objects.exists()


def test_declare_form_refuses_a_per_share_amount_and_a_total_together(equity, issuer_admin):
    today = business_today()
    response = signed_in(issuer_admin).post(reverse("servicing:security", args=[equity.pk]), {
        "kind": "dividend", "record_date": (today + dt.timedelta(days=5)).isoformat(),
        "payment_date": (today + dt.timedelta(days=10)).isoformat(), "per_unit_amount": "50",
        "total_amount": "100000", "method": "chain"})
    assert "not both" in response.content.decode()
    assert not CorporateAction.objects.exists()


# --------------------------------------------------------------------------- the payment run page


def test_action_page_shows_totals_progress_and_lines(bond_held, holders, issuer_admin):
    action = action_make(bond_held)
    lines = lines_make(action, [(holders.jp, holders.jp_wallet, 10), (holders.corp, holders.corp_wallet, 20),
                                (holders.us, holders.us_wallet, 30)])
    EntitlementLine.objects.filter(pk=lines[0].pk).update(status="paid", paid_reference="0xabc")
    page = signed_in(issuer_admin).get(reverse("servicing:action", args=[action.pk])).content.decode()
    assert page.count('data-testid="line"') == 3
    assert '<progress id="paid-progress" value="1" max="3">' in page
    assert "1 of 3 lines paid" in page and "(33%)" in page
    assert str(action.net_total) in page and "0xabc" in page


def test_action_page_pages_its_lines(bond_held, holders, issuer_admin):
    from servicing import selectors_pages

    action = action_make(bond_held)
    wallets = [f"0x{n:040x}" for n in range(1, selectors_pages.LINES_PER_PAGE + 6)]
    lines_make(action, [(holders.jp, w, 1) for w in wallets])
    client = signed_in(issuer_admin)
    first = client.get(reverse("servicing:action", args=[action.pk])).content.decode()
    second = client.get(reverse("servicing:action", args=[action.pk]), {"page": "2"}).content.decode()
    assert first.count('data-testid="line"') == selectors_pages.LINES_PER_PAGE
    assert second.count('data-testid="line"') == 5
    assert 'data-testid="pager"' in first
    hostile = client.get(reverse("servicing:action", args=[action.pk]), {"page": "x" * 500, "status": "\x00"})
    assert hostile.status_code == 200


def test_lines_csv_has_every_line_and_is_formula_safe(bond_held, holders, issuer_admin):
    holders.jp.full_name = "=HYPERLINK(\"http://evil\")"
    holders.jp.save()
    action = action_make(bond_held)
    lines_make(action, [(holders.jp, holders.jp_wallet, 10), (holders.us, holders.us_wallet, 30)])
    response = signed_in(issuer_admin).get(reverse("servicing:action-lines-csv", args=[action.pk]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["units_base"] for r in rows] == ["10", "30"]
    assert rows[0]["name"].startswith("'=")
    assert rows[0]["gross"] == "10000.00" and rows[0]["withheld"] == "2031.00" and rows[0]["net"] == "7969.00"
    assert sum(Decimal(r["net"]) for r in rows) == action.net_total


def test_pay_now_is_offered_to_the_issuer_admin_of_a_recorded_action(bond_held, holders, issuer_admin,
                                                                     issuer_member):
    action = action_make(bond_held)
    lines_make(action, [(holders.jp, holders.jp_wallet, 10)])
    url = reverse("servicing:action", args=[action.pk])
    assert 'data-testid="pay-form"' in signed_in(issuer_admin).get(url).content.decode()
    assert 'data-testid="pay-form"' not in signed_in(issuer_member).get(url).content.decode()


def test_offchain_action_offers_the_payment_file_and_the_bank_reference(bond_held, holders, issuer_admin):
    action = action_make(bond_held, method=CorporateAction.Method.OFFCHAIN)
    lines_make(action, [(holders.jp, holders.jp_wallet, 10)])
    page = signed_in(issuer_admin).get(reverse("servicing:action", args=[action.pk])).content.decode()
    assert 'data-testid="payment-file"' in page and 'data-testid="mark-paid-form"' in page


@pytest.mark.parametrize("lines", ["abc", "1;2", "1" * 40, "²"])
def test_mark_paid_form_refuses_bad_line_numbers(bond_held, holders, issuer_admin, lines):
    action = action_make(bond_held, method=CorporateAction.Method.OFFCHAIN)
    lines_make(action, [(holders.jp, holders.jp_wallet, 10)])
    response = signed_in(issuer_admin).post(reverse("servicing:action", args=[action.pk]),
                                            {"step": "mark_paid", "reference": "BANK-1", "lines": lines}, follow=True)
    assert "flash-error" in response.content.decode()
    assert not EntitlementLine.objects.filter(status="paid").exists()


def test_mark_paid_form_needs_a_reference(bond_held, holders, issuer_admin):
    action = action_make(bond_held, method=CorporateAction.Method.OFFCHAIN)
    lines_make(action, [(holders.jp, holders.jp_wallet, 10)])
    client = signed_in(issuer_admin)
    for reference in ("", "x" * 101):
        response = client.post(reverse("servicing:action", args=[action.pk]),
                                                {"step": "mark_paid", "reference": reference}, follow=True)
        assert "flash-error" in response.content.decode()
    assert not EntitlementLine.objects.filter(status="paid").exists()


def test_security_and_cap_table_pages_link_to_the_corporate_actions(bond_held, issuer_admin):
    client = signed_in(issuer_admin)
    url = reverse("servicing:security", args=[bond_held.pk])
    assert url in client.get(reverse("issuance:security", args=[bond_held.pk])).content.decode()
    assert url in client.get(reverse("ledger:cap-table", args=[bond_held.pk])).content.decode()


def _declare(client, security, **fields):
    today = business_today()
    data = {"kind": "dividend", "record_date": (today + dt.timedelta(days=5)).isoformat(),
            "payment_date": (today + dt.timedelta(days=10)).isoformat(), "per_unit_amount": "５０",
            "method": "offchain", **fields}
    return client.post(reverse("servicing:security", args=[security.pk]), data)


def test_issuer_admin_declares_a_dividend_from_the_page(equity, issuer_admin):
    client = signed_in(issuer_admin)
    page = _page(client, equity).content.decode()
    assert '<option value="offchain" selected>' in page    # no token deployed: the payment file
    response = _declare(client, equity)
    action = CorporateAction.objects.get()
    assert response.status_code == 302 and response.url == reverse("servicing:action", args=[action.pk])
    assert (action.kind, action.per_unit_amount, action.created_by) == ("dividend", Decimal("50"), issuer_admin)


def test_a_refusal_of_the_service_shows_on_the_form(equity, issuer_admin):
    response = _declare(signed_in(issuer_admin), equity, record_date="2000-01-01")
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not CorporateAction.objects.exists()


def test_a_member_may_not_declare(equity, issuer_member):
    response = _declare(signed_in(issuer_member), equity)
    assert response.status_code == 200 and 'class="errorlist' in response.content.decode()
    assert not CorporateAction.objects.exists()


def test_the_pages_speak_japanese(bond_held, holders, issuer_admin, settings):
    action = action_make(bond_held, funds_short_on=business_today())
    lines_make(action, [(holders.jp, holders.jp_wallet, 10)])
    client = signed_in(issuer_admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    page = _page(client, bond_held).content.decode()
    assert "予定のアクション" in page and "利払スケジュール" in page and "Upcoming actions" not in page
    page = client.get(reverse("servicing:action", args=[action.pk])).content.decode()
    assert "1 件中 0 件支払済み" in page and "資金不足" in page and "lines paid" not in page


def test_funds_check_of_a_recorded_action_counts_the_lines_still_due(bond_held, holders, issuer_admin, cash_jpy,
                                                                   cash_agent):
    from servicing import selectors_pages

    from .conftest import treasury_fund

    action = action_make(bond_held)
    lines = lines_make(action, [(holders.jp, holders.jp_wallet, 10), (holders.us, holders.us_wallet, 30)])
    EntitlementLine.objects.filter(pk=lines[1].pk).update(status="submitted")   # its cash is held already
    treasury_fund(bond_held.issuer, str(lines[0].net), admin=issuer_admin, agent=cash_agent)
    funds = selectors_pages.funds_check(action=action)
    assert (funds.needed, funds.available, funds.estimated, funds.short) == (lines[0].net, lines[0].net, False,
                                                                           False)
