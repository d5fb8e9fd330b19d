"""The investor's yearly tax statement: every paid line whose payment date is in the year (31
December in, 1 January of the next year out), totals per currency and income kind, the
holder's legal name and tax residence; the CSV (formula-safe) totals equal the page's;
garbage years are 404; the investor's own lines only; investors only."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from core.clock import business_today
from investors.models import InvestorProfile
from issuance.tests.factories import SecurityFactory
from servicing.models import CorporateAction, EntitlementLine

from .income_rows import action, line

pytestmark = pytest.mark.django_db


def _url(year, csv_file=False):
    return f"/servicing/income/tax/{year}/" + ("statement.csv" if csv_file else "")


@pytest.fixture
def last_year():
    return business_today().year - 1


@pytest.fixture
def statement_rows(bond_held, equity, holders, servicing_issuer, issuer_admin, last_year):
    """Last year: a JPY coupon on 31 December, a JPY dividend in June, a USD coupon, a line
    still due (not paid), the JP corporation's coupon; this year: a coupon on 1 January."""
    profile = InvestorProfile.objects.get(user=holders.jp)
    profile.legal_name = "=HYPERLINK(\"http://evil.test\")"   # reaches the CSV as text only
    profile.save()
    usd = SecurityFactory(issuer=servicing_issuer, created_by=issuer_admin, currency="USD", name="Dollar Bond",
                          symbol="DB")
    dec31 = action(bond_held, payment_date=dt.date(last_year, 12, 31))
    jan1 = action(bond_held, payment_date=dt.date(last_year + 1, 1, 1))
    june = action(equity, kind=CorporateAction.Kind.DIVIDEND, payment_date=dt.date(last_year, 6, 30), per_unit="50")
    dollar = action(usd, payment_date=dt.date(last_year, 3, 15), per_unit="1.25")
    unpaid = action(bond_held, payment_date=dt.date(last_year, 9, 30), status=CorporateAction.Status.PAYING)
    return {
        "dec31": line(dec31, holders.jp, holders.jp_wallet, gross="10000", withheld="2031", reference="0xdec31"),
        "jan1": line(jan1, holders.jp, holders.jp_wallet, gross="10000", withheld="2031", reference="0xjan1"),
        "june": line(june, holders.jp, holders.jp_wallet, gross="500", withheld="101", units=10, reference="0xjune"),
        "usd": line(dollar, holders.jp, holders.jp_wallet, gross="12.50", withheld="2.53", reference="0xusd"),
        "due": line(unpaid, holders.jp, holders.jp_wallet, gross="10000", withheld="2031",
                    status=EntitlementLine.Status.DUE),
        "corp": line(dec31, holders.corp, holders.corp_wallet, gross="20000", withheld="3063", reference="0xcorp"),
    }


def _section(html: str, testid: str) -> str:
    return html.split(f'data-testid="{testid}"')[1].split("</table>")[0]


def test_the_statement_has_the_years_paid_lines_only(client, holders, statement_rows, last_year):
    client.force_login(holders.jp)
    html = client.get(_url(last_year)).content.decode()
    shown = {int(part.split('"')[0]) for part in _section(html, "tax-lines").split('data-line="')[1:]}
    assert shown == {statement_rows[k].pk for k in ("dec31", "june", "usd")}   # not jan1, due, corp
    assert "0xcorp" not in html and "0xjan1" not in html
    this_year = client.get(_url(last_year + 1)).content.decode()
    shown = {int(part.split('"')[0]) for part in _section(this_year, "tax-lines").split('data-line="')[1:]}
    assert shown == {statement_rows["jan1"].pk}


def test_totals_are_per_currency_and_income_kind(client, holders, statement_rows, last_year):
    client.force_login(holders.jp)
    html = client.get(_url(last_year)).content.decode()
    totals = _section(html, "tax-totals")
    interest = totals.split('data-currency="JPY" data-kind="interest"')[1].split("</tr>")[0]
    dividend = totals.split('data-currency="JPY" data-kind="dividend"')[1].split("</tr>")[0]
    dollars = totals.split('data-currency="USD" data-kind="interest"')[1].split("</tr>")[0]
    assert '<td data-testid="total-gross">10000</td>' in interest
    assert '<td data-testid="total-net">7969</td>' in interest
    assert '<td data-testid="total-withheld">101</td>' in dividend
    assert '<td data-testid="total-gross">12.50</td>' in dollars
    assert '<td data-testid="total-net">9.97</td>' in dollars
    holder = html.split('data-testid="tax-holder"')[1].split("</dl>")[0]
    assert "HYPERLINK" in holder and '<dd data-testid="tax-residence">JP</dd>' in holder


def test_the_csv_totals_equal_the_page_totals_and_text_cannot_be_a_formula(client, holders, statement_rows,
                                                                           last_year):
    client.force_login(holders.jp)
    response = client.get(_url(last_year, csv_file=True))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f"tax-statement-{last_year}.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][2].startswith("'=HYPERLINK")   # core.csvsafe
    header, body = rows[1], rows[2:]
    lines = [r for r in body if r[0] != "Total"]
    totals = [r for r in body if r[0] == "Total"]
    assert [r[-1] for r in lines] == ["0xusd", "0xjune", "0xdec31"]   # by payment date
    gross, withheld, net = header.index("Gross"), header.index("Withheld"), header.index("Net")
    currency = header.index("Currency")
    # the CSV's total rows are the sums of its lines, and the page's totals
    for total in totals:
        mine = [r for r in lines if r[currency] == total[currency] and r[3] == total[3]]
        assert sum(Decimal(r[gross]) for r in mine) == Decimal(total[gross])
        assert sum(Decimal(r[withheld]) for r in mine) == Decimal(total[withheld])
        assert sum(Decimal(r[net]) for r in mine) == Decimal(total[net])
    page = _section(client.get(_url(last_year)).content.decode(), "tax-totals")
    for total in totals:
        kind = {"Interest": "interest", "Dividend": "dividend"}[total[3]]
        row = page.split(f'data-currency="{total[currency]}" data-kind="{kind}"')[1].split("</tr>")[0]
        assert f'<td data-testid="total-net">{Decimal(total[net])}</td>' in row
    assert {(t[currency], t[3]) for t in totals} == {("JPY", "Interest"), ("JPY", "Dividend"), ("USD", "Interest")}


def test_the_api_gives_the_same_statement(client, holders, statement_rows, last_year):
    client.force_login(holders.jp)
    body = client.get(f"/api/servicing/income/tax/{last_year}/").json()
    assert body["year"] == last_year and body["residence"] == "JP" and body["holder_kind"] == "individual"
    assert [entry["paid_reference"] for entry in body["lines"]] == ["0xusd", "0xjune", "0xdec31"]
    assert {(t["currency"], t["income_kind"]): t["net"] for t in body["totals"]} == {
        ("JPY", "interest"): "7969", ("JPY", "dividend"): "399", ("USD", "interest"): "9.97"}


def test_the_page_prints_without_navigation(client, holders, statement_rows, last_year):
    from django.contrib.staticfiles import finders

    client.force_login(holders.jp)
    html = client.get(_url(last_year)).content.decode()
    assert 'class="no-print"' in html and "window.print()" in html
    css = open(finders.find("css/shoken.css"), encoding="utf-8").read()
    printing = css.split("@media print")[1]
    assert "body > header" in printing and ".no-print" in printing and "display: none" in printing


@pytest.mark.parametrize("year", ["1999", "0", "99999", "99999999999999999999999"])
def test_years_out_of_bounds_are_404(client, holders, statement_rows, year):
    client.force_login(holders.jp)
    assert client.get(_url(year)).status_code == 404
    assert client.get(_url(year, csv_file=True)).status_code == 404
    response = client.get(f"/api/servicing/income/tax/{year}/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("year", ["abc", "2025.0", "-1", "%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%95"])
def test_garbage_years_are_404(client, holders, year):
    client.force_login(holders.jp)
    assert client.get(_url(year)).status_code == 404
    assert client.get(f"/api/servicing/income/tax/{year}/").status_code == 404


def test_next_year_is_404_until_it_comes(client, holders):
    client.force_login(holders.jp)
    assert client.get(_url(business_today().year + 1)).status_code == 404
    assert client.get(_url(business_today().year)).status_code == 200


def test_a_year_with_nothing_paid_is_an_empty_statement(client, holders, last_year):
    client.force_login(holders.us)
    response = client.get(_url(2001))
    assert response.status_code == 200 and 'data-testid="tax-line"' not in response.content.decode()


@pytest.mark.parametrize("persona", ["compliance_officer", "operator", "issuer_admin"])
def test_staff_get_403_for_statements(login_verified, persona, request, statement_rows, last_year):
    client = login_verified(request.getfixturevalue(persona))
    assert client.get(_url(last_year)).status_code == 403
    assert client.get(_url(last_year, csv_file=True)).status_code == 403
    response = client.get(f"/api/servicing/income/tax/{last_year}/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "not_an_investor"
