"""The cap table at any size (issue 16): keyset pages in both sorts, search, a constant number of
queries per page, bad input refused with a 400, the holders kept in step by the database, and
the totals and chart from aggregates. Small data: the 100,000-holder run is `make bench-captable`."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Membership, Role, User
from accounts.tests.factories import MembershipFactory, OrganizationFactory, TOTPDeviceFactory, UserFactory
from ledger.captable_selectors import CapTableInputError, cap_table_page
from ledger.models import ControlBook, Holder, HolderCount, Position

NAMES = ["Sato Haruto", "sato aoi", "Suzuki Ren", "", "田中 陽翔", "Tanaka Yui", "Ito Sota", "", "山本 蒼", "Kato Hina"]


def _holders(security, n: int, *, start: int = 0) -> list[User]:
    """n investors holding `security` (bulk: the database's triggers keep ledger.Holder): balances
    with ties, some without a name (shown by e-mail), every fifth with a second wallet."""
    users = User.objects.bulk_create([
        User(email=f"h{start + i:03d}@cap.test", full_name=NAMES[(start + i) % len(NAMES)], password="!",
             role=Role.INVESTOR) for i in range(n)])
    positions = []
    for i, user in enumerate(users, start=start):
        positions.append(Position(security=security, investor=user, wallet=f"0x{i:040x}", balance=10 + i % 4,
                                  frozen=1 if i % 7 == 0 else 0))
        if i % 5 == 0:
            positions.append(Position(security=security, investor=user, wallet=f"0xAB{i:038x}", balance=3))
    Position.objects.bulk_create(positions)
    total = sum(int(p.balance) for p in Position.objects.filter(security=security))
    ControlBook.objects.update_or_create(security=security, defaults={"issued": total, "outstanding": total})
    return users


def _walk(security, sort: str, limit: int = 4, **kw) -> list:
    rows, cursor, pages = [], "", 0
    while True:
        page = cap_table_page(security=security, sort=sort, cursor=cursor, limit=limit, **kw)
        rows += page.rows
        pages += 1
        assert pages < 100
        if not page.next:
            return rows
        cursor = page.next


def _walk_back(security, sort: str, last_cursor: str, limit: int = 4) -> list:
    rows, cursor = [], last_cursor
    while cursor:
        page = cap_table_page(security=security, sort=sort, cursor=cursor, limit=limit)
        rows = page.rows + rows
        cursor = page.previous
    return rows


def test_pages_cover_every_holder_once_in_both_sorts(bond):
    users = _holders(bond, 23)
    expected_balance = sorted(Holder.objects.filter(security=bond), key=lambda h: (-h.balance, -h.investor_id))
    by_balance = _walk(bond, "balance")
    assert cap_table_page(security=bond).totals.holders == 23
    assert [r.investor_id for r in by_balance] == [h.investor_id for h in expected_balance]
    assert sorted(r.investor_id for r in by_balance) == sorted(u.pk for u in users)
    by_name = _walk(bond, "name")
    assert [r.investor_id for r in by_name] == [h.investor_id for h in sorted(
        Holder.objects.filter(security=bond), key=lambda h: (h.name_key, h.investor_id))]
    assert [r.name for r in by_name][:2] == ["h003@cap.test", "h007@cap.test"]   # no name: the e-mail
    # and back again with `previous` from the last page
    first = cap_table_page(security=bond, sort="name", limit=4)
    cursor = first.next
    while (page := cap_table_page(security=bond, sort="name", cursor=cursor, limit=4)).next:
        cursor = page.next
    assert [r.investor_id for r in _walk_back(bond, "name", cursor)] == [r.investor_id for r in by_name]
    assert first.previous is None and page.next is None


def test_rows_carry_wallets_amounts_and_percent_of_outstanding(bond):
    _holders(bond, 6)
    page = cap_table_page(security=bond, sort="name", search="h005")
    [row] = page.rows
    assert row.wallets == [f"0x{5:040x}", f"0xAB{5:038x}"] and row.balance == 11 + 3
    assert row.percent == (Decimal(14 * 100) / page.totals.outstanding).quantize(Decimal("0.01"))
    assert (page.totals.holders, page.totals.outstanding, page.totals.frozen) == (6, 10 + 11 + 12 + 13 + 10 + 11 + 6, 1)


def test_search_by_name_email_or_wallet_prefix(bond):
    _holders(bond, 12)

    def ids(q):
        return {r.email for r in _walk(bond, "name", search=q)}
    assert ids("SATO") == {"h000@cap.test", "h001@cap.test", "h010@cap.test", "h011@cap.test"}
    assert ids("田中") == {"h004@cap.test"}
    assert ids("h00") == {f"h00{i}@cap.test" for i in range(10)}
    assert ids("0xAB") == {"h000@cap.test", "h005@cap.test", "h010@cap.test"}   # any letter case
    assert ids(f"0x{11:040x}".upper().replace("0X", "0x")) == {"h011@cap.test"}
    assert ids("nobody") == set()


@pytest.mark.parametrize("sort", ["balance", "name"])
def test_an_investor_search_merges_name_and_email_matches_once_in_order(bond, sort):
    """The name and e-mail arms are read apart and merged: a holder both find (no name: the name
    key is the e-mail) comes once, pages keep the sort's order both ways."""
    _holders(bond, 12)
    rows = _walk(bond, sort, limit=3, search="h00")
    keys = [(-r.balance, -r.investor_id) if sort == "balance" else (r.name_key, r.investor_id) for r in rows]
    assert len(rows) == 10 and len({r.investor_id for r in rows}) == 10 and keys == sorted(keys)
    last = cap_table_page(security=bond, sort=sort, search="h00", limit=3,
                          cursor=_walk_cursor(bond, sort, "h00", limit=3)).previous
    back = _walk_back_search(bond, sort, last, "h00", limit=3)
    assert [r.investor_id for r in back] == [r.investor_id for r in rows[:9]]   # pages of 3, 3, 3 and 1


def _walk_cursor(security, sort: str, search: str, limit: int) -> str:
    """The `next` link of the last page but one (the cursor that opens the last page)."""
    cursor, opening = "", ""
    while True:
        page = cap_table_page(security=security, sort=sort, search=search, cursor=cursor, limit=limit)
        if not page.next:
            return opening
        opening, cursor = page.next, page.next


def _walk_back_search(security, sort: str, cursor: str, search: str, limit: int) -> list:
    rows = []
    while cursor:
        page = cap_table_page(security=security, sort=sort, search=search, cursor=cursor, limit=limit)
        rows = page.rows + rows
        cursor = page.previous
    return rows


def test_the_chart_is_the_largest_holders_and_everyone_else(bond):
    _holders(bond, 8)
    page = cap_table_page(security=bond, chart_top=3)
    assert len(page.chart) == 4 and page.chart[-1].others
    assert sum(s.balance for s in page.chart) == page.totals.outstanding
    assert [s.balance for s in page.chart[:3]] == [r.balance for r in page.rows[:3]]


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


def test_a_page_costs_the_same_queries_for_5_or_50_holders(client, api, login_verified, bond, issuer_admin):
    login_verified(issuer_admin)
    api.force_authenticate(issuer_admin)
    url, api_url = reverse("ledger:cap-table", args=[bond.pk]), f"/api/ledger/securities/{bond.pk}/cap-table/"

    def costs():
        return (_count(lambda: cap_table_page(security=bond, sort="name", limit=50)),
                _count(lambda: client.get(url, {"sort": "balance"})), _count(lambda: api.get(api_url)))
    _holders(bond, 5)
    costs()   # warm (the business date's cache)
    few = costs()
    _holders(bond, 45, start=5)
    assert costs() == few
    assert len(api.get(api_url).json()["results"]) == 50 and few[0] <= 8


def test_the_api_pages_with_opaque_cursors(api, bond, issuer_admin):
    _holders(bond, 7)
    api.force_authenticate(issuer_admin)
    url = f"/api/ledger/securities/{bond.pk}/cap-table/"
    first = api.get(url, {"limit": 5, "sort": "name"}).json()
    assert first["previous"] is None and first["totals"]["holders"] == 7 and len(first["results"]) == 5
    assert set(first["results"][0]) == {"investor", "email", "wallets", "balance", "frozen", "percent"}
    second = api.get(url, {"limit": 5, "sort": "name", "cursor": first["next"]}).json()
    assert len(second["results"]) == 2 and second["next"] is None
    back = api.get(url, {"limit": 5, "sort": "name", "cursor": second["previous"]}).json()
    assert back["results"] == first["results"]


@pytest.mark.parametrize(("query", "code"), [
    ({"sort": "wealth"}, "invalid"),
    ({"limit": "0"}, "invalid"),
    ({"limit": "201"}, "invalid"),
    ({"limit": "many"}, "invalid"),
    ({"q": "0xnothex"}, "invalid_search"),
    ({"q": "x" * 101}, "invalid"),
    ({"cursor": "not-a-cursor"}, "invalid_cursor"),
    ({"cursor": "eyJzIjoiYmFsYW5jZSJ9:forged"}, "invalid_cursor"),
])
def test_bad_api_queries_are_400_with_a_code(api, bond, issuer_admin, query, code):
    _holders(bond, 3)
    api.force_authenticate(issuer_admin)
    response = api.get(f"/api/ledger/securities/{bond.pk}/cap-table/", query)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_a_cursor_only_fits_its_own_sort_and_search(bond):
    _holders(bond, 6)
    cursor = cap_table_page(security=bond, sort="balance", limit=2).next
    for other in ({"sort": "name"}, {"search": "h0"}):
        with pytest.raises(CapTableInputError) as refused:
            cap_table_page(security=bond, cursor=cursor, limit=2, **{"sort": "balance", **other})
        assert refused.value.code == "invalid_cursor"


def test_the_page_shows_a_bad_cursor_as_a_form_error(client, login_verified, bond, issuer_admin):
    _holders(bond, 3)
    login_verified(issuer_admin)
    response = client.get(reverse("ledger:cap-table", args=[bond.pk]), {"cursor": "garbage", "sort": "name"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="cap-table-error"' in body and body.count('data-testid="holder"') == 3


def test_the_page_pages_and_searches(client, login_verified, bond, issuer_admin):
    _holders(bond, 55)
    login_verified(issuer_admin)
    url = reverse("ledger:cap-table", args=[bond.pk])
    first = client.get(url, {"sort": "name"})
    assert first.status_code == 200 and first.content.decode().count('data-testid="holder"') == 50
    link = first.context["link_next"]
    second = client.get(url + link)
    assert second.content.decode().count('data-testid="holder"') == 5 and "link_next" not in second.context
    assert 'data-testid="ownership-chart"' in first.content.decode()
    found = client.get(url, {"q": "h054"})
    assert [r.email for r in found.context["rows"]] == ["h054@cap.test"]


def test_holders_follow_every_write_and_rename(bond, issuer_admin, compliance_officer, investor_wallet,
                                               verified_investor):
    from ledger.services import tokens_freeze, tokens_issue, tokens_redeem, tokens_unfreeze

    tokens_issue(security=bond, wallet=investor_wallet, amount=9, actor=issuer_admin, reason="")
    tokens_freeze(security=bond, wallet=investor_wallet.address, amount=2, reason="dispute", actor=compliance_officer)
    tokens_redeem(security=bond, wallet=investor_wallet.address, amount=3, reason="call", actor=issuer_admin)
    holder = Holder.objects.get(security=bond, investor=verified_investor)
    assert (holder.balance, holder.frozen, holder.held) == (6, 2, 0)
    verified_investor.full_name = "Ōta Mei"
    verified_investor.save(update_fields=["full_name"])
    holder.refresh_from_db()
    assert (holder.name_key, holder.email_key) == ("ōta mei", verified_investor.email.lower())
    with connection.cursor() as cursor:   # the read model equals the positions, summed
        cursor.execute("SELECT security_id, investor_id, sum(balance), sum(frozen), sum(held) FROM ledger_position"
                       " GROUP BY 1, 2 EXCEPT"
                       " SELECT security_id, investor_id, balance, frozen, held FROM ledger_holder")
        assert cursor.fetchall() == []
        cursor.execute("SELECT security_id, count(*) FILTER (WHERE balance > 0) FROM ledger_holder GROUP BY 1"
                       " EXCEPT SELECT security_id, holders FROM ledger_holdercount")
        assert cursor.fetchall() == []
    tokens_unfreeze(security=bond, wallet=investor_wallet.address, amount=2, reason="settled", actor=compliance_officer)
    tokens_redeem(security=bond, wallet=investor_wallet.address, amount=6, reason="call", actor=issuer_admin)
    assert HolderCount.objects.get(security=bond).holders == 0 and cap_table_page(security=bond).rows == []


def test_another_organizations_issuer_gets_404(client, api, login_verified, bond, issuer_admin):
    _holders(bond, 2)
    other = UserFactory(email="admin@other.test", role=Role.ISSUER)
    MembershipFactory(user=other, organization=OrganizationFactory(name="Other K.K."), role=Membership.Role.ADMIN)
    TOTPDeviceFactory(user=other)
    api.force_authenticate(other)
    assert api.get(f"/api/ledger/securities/{bond.pk}/cap-table/").status_code == 404
    login_verified(other)
    assert client.get(reverse("ledger:cap-table-csv", args=[bond.pk])).status_code == 404
    assert client.get(reverse("ledger:cap-table", args=[bond.pk]), {"sort": "name"}).status_code == 404


def test_the_schema_documents_the_paging_parameters():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    [operation] = [op for item in schema["paths"].values() for op in item.values()
                   if isinstance(op, dict) and op.get("operationId") == "ledger_cap_table"]
    params = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
    assert {"as_of", "sort", "q", "cursor", "limit"} <= set(params)
    assert params["sort"]["schema"]["enum"] == ["balance", "name"]
    assert (params["limit"]["schema"]["minimum"], params["limit"]["schema"]["maximum"]) == (1, 200)
    output = schema["components"]["schemas"]["CapTableOutput"]["properties"]
    assert {"next", "previous", "totals", "results"} <= set(output)


def test_the_csv_streams_every_holder_once(client, login_verified, bond, issuer_admin, monkeypatch):
    import csv
    import io

    from ledger import views

    monkeypatch.setattr(views, "CSV_BATCH", 5)     # several pieces
    users = _holders(bond, 12)
    login_verified(issuer_admin)
    response = client.get(reverse("ledger:cap-table-csv", args=[bond.pk]))
    assert response.status_code == 200 and response.streaming
    pieces = list(response.streaming_content)
    rows = list(csv.reader(io.StringIO(b"".join(pieces).decode())))
    assert len(pieces) == 3 and rows[0] == ["investor", "name", "wallets", "balance_base_units", "frozen_base_units",
                                            "percent", "as_of"]
    assert sorted(r[0] for r in rows[1:]) == sorted(u.email for u in users)
    five = next(r for r in rows if r[0] == "h005@cap.test")
    assert five[1:5] == [NAMES[5], f"0x{5:040x} 0xAB{5:038x}", "14", "0"]
