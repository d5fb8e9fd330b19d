"""The investor's income page and API: their own lines only (never another investor's),
upcoming payments (their due lines; estimates of scheduled ones from today's holdings,
labelled), past payments filtered by security and wallet, totals per currency (JPY and USD
never added), investors only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.clock import business_today
from core.models import AuditEvent
from issuance.tests.factories import SecurityFactory
from servicing.models import CorporateAction, EntitlementLine

from .income_rows import action, line

pytestmark = pytest.mark.django_db

INCOME = "/servicing/income/"
API = "/api/servicing/income/"


@pytest.fixture
def paid(bond_held, holders, servicing_issuer, issuer_admin):
    """Paid lines: two coupons of the JPY bond to the JP individual, one USD coupon of another
    bond to them, and the JP corporation's line of the first coupon (another investor)."""
    today = business_today()
    usd = SecurityFactory(issuer=servicing_issuer, created_by=issuer_admin, currency="USD", name="Sakura Dollar Bond",
                          symbol="SDB")
    first = action(bond_held, payment_date=today - dt.timedelta(days=200))
    second = action(bond_held, payment_date=today - dt.timedelta(days=20))
    dollar = action(usd, payment_date=today - dt.timedelta(days=10), per_unit="2.5")
    return {
        "first": line(first, holders.jp, holders.jp_wallet, gross="10000", withheld="2031", reference="0xfirst"),
        "second": line(second, holders.jp, holders.jp_wallet, gross="10000", withheld="2031", reference="0xsecond"),
        "usd": line(dollar, holders.jp, holders.jp_wallet, gross="25.00", withheld="5.07", reference="0xusd"),
        "corp": line(first, holders.corp, holders.corp_wallet, gross="20000", withheld="3063", reference="0xcorp"),
        "usd_bond": usd,
    }


def _page(client, user, query=""):
    client.force_login(user)
    return client.get(INCOME + query)


def test_the_investor_sees_their_own_past_payments_and_never_another_investors(client, holders, paid):
    page = _page(client, holders.jp)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="paid-line"') == 3
    for mine in ("first", "second", "usd"):
        assert f'data-line="{paid[mine].pk}"' in html
    assert f'data-line="{paid["corp"].pk}"' not in html and "0xcorp" not in html
    assert str(holders.corp_wallet.address) not in html

    other = _page(client, holders.corp).content.decode()
    assert other.count('data-testid="paid-line"') == 1 and f'data-line="{paid["corp"].pk}"' in other


def test_totals_are_per_currency_and_never_add_yen_to_dollars(client, holders, paid):
    html = _page(client, holders.jp).content.decode()
    totals = html.split('data-testid="paid-totals"')[1].split("</table>")[0]
    jpy = totals.split('data-currency="JPY"')[1].split("</tr>")[0]
    usd = totals.split('data-currency="USD"')[1].split("</tr>")[0]
    assert '<td data-testid="total-gross">20000</td>' in jpy and '<td data-testid="total-net">15938</td>' in jpy
    assert '<td data-testid="total-gross">25.00</td>' in usd and '<td data-testid="total-withheld">5.07</td>' in usd
    assert "20025" not in html   # 20000 JPY + 25 USD is no amount


def test_filters_per_security_and_wallet(client, holders, paid):
    html = _page(client, holders.jp, f"?security={paid['usd_bond'].pk}").content.decode()
    assert html.count('data-testid="paid-line"') == 1 and f'data-line="{paid["usd"].pk}"' in html
    html = _page(client, holders.jp, f"?wallet={holders.jp_wallet.address}").content.decode()
    assert html.count('data-testid="paid-line"') == 3


@pytest.mark.parametrize("query", [
    "?security=abc", "?security=999999", "?wallet=0x0000000000000000000000000000000000000001", "?security=1e3",
    "?security=%EF%BC%91", pytest.param("?wallet=" + "a" * 5000, id="long-wallet"), "?security=-1",
])
def test_bad_or_foreign_filters_are_a_form_error(client, holders, paid, query):
    """A security or wallet that is not the investor's is not a choice: 400 with the error, no lines leak."""
    page = _page(client, holders.jp, query)
    assert page.status_code == 400
    assert b'class="errorlist"' in page.content


def test_a_filter_on_another_investors_security_or_wallet_shows_nothing_of_theirs(client, holders, paid):
    page = _page(client, holders.jp, f"?wallet={holders.corp_wallet.address}")
    assert page.status_code == 400 and b"0xcorp" not in page.content


def test_upcoming_shows_due_lines_and_labelled_estimates_from_holdings(client, holders, bond_held):
    today = business_today()
    recorded = action(bond_held, payment_date=today + dt.timedelta(days=5), status=CorporateAction.Status.RECORDED)
    due = line(recorded, holders.jp, holders.jp_wallet, gross="10000", withheld="2031",
               status=EntitlementLine.Status.DUE)
    action(bond_held, payment_date=today + dt.timedelta(days=180), status=CorporateAction.Status.SCHEDULED,
           per_unit="997")
    action(bond_held, payment_date=today - dt.timedelta(days=1), status=CorporateAction.Status.SCHEDULED)  # past
    html = _page(client, holders.jp).content.decode()
    rows = html.split('data-testid="income-upcoming"')[1].split("</table>")[0].split('data-testid="upcoming"')[1:]
    assert len(rows) == 2
    actual, estimate = rows
    assert 'data-estimate="0"' in actual and "7969" in actual and due.get_status_display() in actual
    # 10 units x 997 JPY = 9970 gross; 20.315% rounded down = 2025; net 7945
    assert 'data-estimate="1"' in estimate and 'data-testid="estimate"' in estimate
    assert "9970" in estimate and "2025" in estimate and "7945" in estimate
    # the JP individual's rate is explained on the page
    rates = html.split('data-testid="withholding-rates"')[1].split("</article>")[0]
    assert "20.315%" in rates


def test_a_dividend_declared_as_a_total_has_no_estimate_yet(client, holders, equity, issuer_admin):
    from .conftest import issue

    issue(equity, holders.jp_wallet, 5, issuer_admin)
    action(equity, kind=CorporateAction.Kind.DIVIDEND, payment_date=business_today() + dt.timedelta(days=30),
           status=CorporateAction.Status.SCHEDULED, per_unit="0", total_amount=Decimal("100000"))
    html = _page(client, holders.jp).content.decode()
    row = html.split('data-testid="upcoming"')[1].split("</tr>")[0]
    assert "—" in row and 'data-testid="estimate"' in row


@pytest.mark.parametrize("persona", ["compliance_officer", "operator", "issuer_admin", "issuer_member",
                                     "cash_agent"])
def test_staff_cannot_see_the_income_page_or_api(login_verified, persona, request, paid):
    user = request.getfixturevalue(persona)
    client = login_verified(user)
    page = client.get(INCOME)
    assert page.status_code == 403 and b"0xfirst" not in page.content
    api = client.get(API)
    assert api.status_code == 403 and api.json()["error"]["code"] == "not_an_investor"
    assert AuditEvent.objects.filter(action="access_denied", actor=user).count() == 2


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get(INCOME).status_code == 302
    assert client.get(API).status_code in (401, 403)


# -- API ---------------------------------------------------------------------------------------

def test_the_api_lists_the_investors_lines_paginated_with_totals(client, holders, paid):
    client.force_login(holders.jp)
    body = client.get(API, {"limit": 2}).json()
    assert body["count"] == 3 and body["previous"] is None and body["next"]
    assert [r["paid_reference"] for r in body["results"]] == ["0xusd", "0xsecond"]   # newest payment first
    assert body["results"][0]["gross"] == "25.00" and body["results"][1]["gross"] == "10000"
    assert {t["currency"]: t["net"] for t in body["totals"]} == {"JPY": "15938", "USD": "19.93"}
    second = client.get(API, {"limit": 2, "cursor": body["next"]}).json()
    assert [r["paid_reference"] for r in second["results"]] == ["0xfirst"] and second["next"] is None
    assert second["count"] == 3 and second["totals"] == body["totals"]        # over every page
    only_usd = client.get(API, {"security": paid["usd_bond"].pk}).json()
    assert only_usd["count"] == 1 and only_usd["results"][0]["currency"] == "USD"
    assert only_usd["results"][0]["income_kind"] == "interest"


def test_the_api_never_gives_another_investors_line(client, holders, paid):
    client.force_login(holders.jp)
    body = client.get(API, {"wallet": holders.corp_wallet.address}).json()
    assert body["count"] == 0 and body["totals"] == []
    body = client.get(API, {"limit": 200}).json()
    assert paid["corp"].pk not in {r["id"] for r in body["results"]}


@pytest.mark.parametrize(("query", "code"), [
    ({"limit": "0"}, "invalid_limit"), ({"limit": "x"}, "invalid_limit"), ({"limit": "201"}, "invalid_limit"),
    ({"cursor": "x"}, "invalid_cursor"), ({"security": "abc"}, "invalid"),
    ({"wallet": "0x12"}, "invalid"), ({"status": "lost"}, "invalid_filter"), ({"security": "１"}, "invalid"),
])
def test_bad_api_filters_are_a_400(client, holders, paid, query, code):
    client.force_login(holders.jp)
    response = client.get(API, query)
    assert response.status_code == 400 and response.json()["error"]["code"] == code


def test_the_page_links_each_year_with_a_payment_and_the_navigation_has_income(client, holders, paid):
    html = _page(client, holders.jp, f"?security={paid['usd_bond'].pk}").content.decode()
    years = {line.action.payment_date.year for line in (paid["first"], paid["second"], paid["usd"])}
    links = html.split('data-testid="tax-years"')[1].split("</ul>")[0]
    for year in years:   # every year, whatever the filter
        assert f'href="/servicing/income/tax/{year}/"' in links
    assert links.count("<li>") == len(years)
    assert '<a href="/servicing/income/">' in html.split("</nav>")[0]


def test_the_page_speaks_japanese(client, holders, paid):
    client.force_login(holders.jp)
    client.post("/i18n/setlang/", {"language": "ja", "next": INCOME})
    html = client.get(INCOME, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "受取収益" in html and "今後の支払" in html and "過去の支払" in html and "あなたの源泉徴収" in html
    assert "Upcoming payments" not in html and "Past payments" not in html


def test_estimates_withhold_by_the_issuers_jurisdiction_as_the_record_close_does(client, holders, issuer_admin,
                                                                                 issuer_org):
    from issuance.models import Security
    from issuance.tests.factories import IssuerFactory

    from .conftest import issue

    us_issuer = IssuerFactory(organization=issuer_org, jurisdiction="US")
    shares = SecurityFactory(issuer=us_issuer, created_by=issuer_admin, kind=Security.Kind.EQUITY, name="Maple Inc.",
                             symbol="MPL", face_value=None, coupon_rate=None, coupon_frequency="", day_count="",
                             issue_date=None, maturity_date=None, redemption_price=None, share_class="A",
                             par_value=Decimal("0"), authorized_shares=1000)
    issue(shares, holders.jp_wallet, 4, issuer_admin)
    action(shares, kind=CorporateAction.Kind.DIVIDEND, payment_date=business_today() + dt.timedelta(days=9),
           status=CorporateAction.Status.SCHEDULED, per_unit="250")
    html = _page(client, holders.jp).content.decode()
    row = html.split('data-testid="upcoming"')[1].split("</tr>")[0]
    # 4 shares x 250 = 1000 gross; a non-US person's US dividend: 30% = 300 withheld, 700 net
    assert "MPL" in row and "1000" in row and "300" in row and "700" in row
    rates = html.split('data-testid="withholding-rates"')[1].split("</article>")[0]
    assert 'data-kind="dividend" data-source="US"' in rates
