"""The cap-table benchmark (issue 16, `make bench-captable`): one security with BENCH_HOLDERS
(default 100,000) holders, read through the pages, the API, the CSV export and an as-of snapshot.

Setup (not measured; no chain needed): an issuer, its admin (2FA passed) and a bond through
the test factories; then, by bulk SQL (INSERT ... SELECT generate_series), BENCH_HOLDERS
investor users (names in Latin and Japanese script, one in ten without a name: the page shows
the e-mail), their KYC-approved profiles, one active wallet each (one in twenty a second one),
a position per wallet (ledger.Holder follows through the triggers of migration 0007), one
`issue` action per position three days ago (the action log the snapshots replay) and the
control book.

Measured:
  page_p95_ms: the cap table page (Django test Client, signed in as the issuer admin) over
      BENCH_PAGES (50) loads at random: sort by balance or name, no search or a name, e-mail
      or wallet prefix, the first page or a page deep in the list (a cursor after a random
      holder), today or yesterday (the snapshot).
  api_p95_ms: GET /api/ledger/securities/<id>/cap-table/ the same way (BENCH_PAGES calls).
  queries_per_page: the most SQL queries one page load made (CaptureQueriesContext).
  csv_seconds: the whole CSV (every holder), streamed and read to the end.
  snapshot_seconds: ledger.snapshots.snapshot_take of yesterday (positions and holders in bulk).
Baseline, in the same run: the cap table as it was built before issue 16 (every position read,
summed per investor and sorted in Python), once: printed, not a goal.
Last line: RESULT holders=.. page_p95_ms=.. api_p95_ms=.. queries_per_page=.. csv_seconds=..
snapshot_seconds=..  Goals: page and API p95 < 100 ms, CSV < 3 s, snapshot < 3 s.

Isolation as in bench/bench_mirror.py: a private Redis and a throwaway database (BENCH_DB_NAME,
default "bench_captable") created and dropped on the embedded server.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOLDERS = int(os.environ.get("BENCH_HOLDERS", "100000"))
PAGES = int(os.environ.get("BENCH_PAGES", "50"))
SEED = int(os.environ.get("BENCH_SEED", "16"))


def say(text: str) -> None:
    print(f"bench-captable: {text}", flush=True)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


FAMILY = ["Sato", "Suzuki", "Takahashi", "Tanaka", "Ito", "Watanabe", "Yamamoto", "Nakamura", "Kobayashi",
          "Kato", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]
GIVEN = ["Haruto", "Yui", "Sota", "Hina", "Ren", "Aoi", "陽翔", "結衣", "蒼", "陽葵"]


def populate(security, n: int) -> None:
    """n investors with profiles, wallets, positions and issue actions, by bulk SQL."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("""
            INSERT INTO accounts_user (password, is_superuser, email, full_name, role, language, is_active, is_staff,
                                       date_joined)
            SELECT '!', false, 'holder' || g || '@bench.test',
                   CASE WHEN g %% 10 = 0 THEN ''
                        ELSE (%s::text[])[1 + g %% %s] || ' ' || (%s::text[])[1 + (g / 7) %% %s] || ' ' || g END,
                   'investor', 'ja', true, false, now()
            FROM generate_series(1, %s) AS g""", [FAMILY, len(FAMILY), GIVEN, len(GIVEN), n])
        c.execute("""
            INSERT INTO investors_investorprofile (kind, legal_name, identity_number, address, beneficial_owners,
                nationality, residence_country, tax_residency, investor_status, status_basis, kyc_status, kyc_message,
                created_at, updated_at, user_id)
            SELECT 'individual', u.full_name, '', '', '', 'JP', 'JP', 'JP', 'retail', '', 'approved', '', now(), now(),
                   u.id
            FROM accounts_user u WHERE u.email LIKE '%@bench.test'""")
        c.execute("""
            INSERT INTO investors_wallet (address, status, on_registry, verified_at, profile_id, custody, custody_key)
            SELECT '0x' || substr(md5(p.id::text || ':' || k) || md5(k || ':' || p.id::text), 1, 40), 'active', true,
                   now(), p.id, 'self', ''
            FROM investors_investorprofile p JOIN accounts_user u ON u.id = p.user_id
            CROSS JOIN generate_series(1, 2) AS k
            WHERE u.email LIKE '%@bench.test' AND (k = 1 OR p.id % 20 = 0)""")
        c.execute("""
            INSERT INTO ledger_position (wallet, balance, frozen, held, wallet_frozen, updated_at, investor_id,
                                         security_id)
            SELECT w.address, 1 + floor(random() * 1000000)::bigint, CASE WHEN w.id %% 50 = 0 THEN 1 ELSE 0 END, 0,
                   false, now(), p.user_id, %s
            FROM investors_wallet w JOIN investors_investorprofile p ON p.id = w.profile_id
            JOIN accounts_user u ON u.id = p.user_id WHERE u.email LIKE '%%@bench.test'""", [security.pk])
        c.execute("""
            INSERT INTO ledger_tokenaction (kind, security_id, to_investor_id, to_wallet, from_wallet, amount, reason,
                cause, idempotency_key, origin, created_at)
            SELECT 'issue', security_id, investor_id, wallet, '', balance, '', 'bench', 'bench:' || id, 'chain',
                   now() - interval '3 days'
            FROM ledger_position WHERE security_id = %s ORDER BY id""", [security.pk])
        c.execute("""
            INSERT INTO ledger_tokenaction (kind, security_id, from_investor_id, from_wallet, to_wallet, amount,
                reason, cause, idempotency_key, origin, created_at)
            SELECT 'freeze_tokens', security_id, investor_id, wallet, '', frozen, 'bench', 'bench',
                   'bench:f:' || id, 'chain', now() - interval '3 days'
            FROM ledger_position WHERE security_id = %s AND frozen > 0 ORDER BY id""", [security.pk])
        c.execute("""
            INSERT INTO ledger_controlbook (security_id, authorized, issued, redeemed, outstanding, paused, updated_at)
            SELECT %s, 0, sum(balance), 0, sum(balance), false, now() FROM ledger_position WHERE security_id = %s""",
                  [security.pk, security.pk])
        c.execute("ANALYZE")


def baseline_ms(security) -> float:
    """The pre-issue-16 cap table: every position read, summed per investor, sorted in Python."""
    from decimal import Decimal

    from accounts.models import User
    from ledger.models import Position

    start = time.perf_counter()
    by_investor: dict[int, dict] = {}
    rows = (Position.objects.filter(security=security, balance__gt=0)
            .values_list("investor_id", "wallet", "balance", "frozen"))
    for investor_id, wallet, balance, frozen in rows:
        entry = by_investor.setdefault(investor_id, {"wallets": [], "balance": 0, "frozen": 0})
        entry["wallets"].append(wallet)
        entry["balance"] += int(balance)
        entry["frozen"] += int(frozen)
    total = sum(e["balance"] for e in by_investor.values())
    users = User.objects.in_bulk(list(by_investor))
    table = [(users[pk], e, (Decimal(e["balance"] * 100) / total).quantize(Decimal("0.01")))
             for pk, e in by_investor.items()]
    table.sort(key=lambda r: (-r[1]["balance"], r[0].email))
    return (time.perf_counter() - start) * 1000


def deep_cursor(security, sort: str, search: str, as_of, rng: random.Random) -> str:
    """A cursor after a random holder of the (searched) list, as a `next` link would carry."""
    from ledger import captable_selectors as cs
    from ledger.models import Holder, SnapshotHolder

    holders = (SnapshotHolder.objects.filter(snapshot__security=security, snapshot__as_of=as_of) if as_of
               else Holder.objects.filter(security=security))
    holders = holders.filter(balance__gt=0)
    if search and not search.startswith("0x"):
        from django.db.models import Q

        holders = holders.filter(Q(name_key__startswith=search) | Q(email_key__startswith=search))
    count = holders.count()
    if count < 2 or search.startswith("0x"):
        return ""
    h = holders.order_by("investor_id")[rng.randrange(count - 1)]
    row = cs.HolderRow(investor_id=h.investor_id, name="", email="", wallets=[], balance=int(h.balance), frozen=0,
                       percent=0, name_key=h.name_key)
    return cs.encode_cursor(sort=sort, search=search, as_of=as_of, direction=rng.choice("ab"), row=row)


def run() -> str:
    import datetime as dt

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import Membership, Role
    from accounts.tests.factories import MembershipFactory, OrganizationFactory, TOTPDeviceFactory, UserFactory
    from conftest import force_login_verified
    from core.clock import business_today
    from issuance.tests.factories import IssuerFactory, SecurityFactory
    from ledger.models import Holder
    from ledger.snapshots import snapshot_take

    rng = random.Random(SEED)
    org = OrganizationFactory(name="Bench Holdings K.K.")
    admin = UserFactory(email="admin@bench-issuer.test", role=Role.ISSUER)
    MembershipFactory(user=admin, organization=org, role=Membership.Role.ADMIN)
    TOTPDeviceFactory(user=admin)
    security = SecurityFactory(issuer=IssuerFactory(organization=org), created_by=admin, name="Bench Bond",
                               symbol="BB16")
    start = time.perf_counter()
    populate(security, HOLDERS)
    holders = Holder.objects.filter(security=security, balance__gt=0).count()
    say(f"set up {holders} holders by bulk SQL in {time.perf_counter() - start:.1f}s")
    assert holders == HOLDERS, (holders, HOLDERS)

    say(f"baseline (the whole list built in Python, as before): {baseline_ms(security):.0f} ms")

    yesterday = business_today() - dt.timedelta(days=1)
    start = time.perf_counter()
    snapshot = snapshot_take(security=security, as_of=yesterday)
    snapshot_seconds = time.perf_counter() - start
    say(f"snapshot of {yesterday}: {snapshot_seconds:.2f}s")

    client = force_login_verified(Client(), admin)
    page_url = reverse("ledger:cap-table", args=[security.pk])
    api_url = reverse("ledger-api:cap-table", args=[security.pk])
    searches = ["", "", "", "sato", "田中", "holder12", "0xab", "0x1", "ka"]

    def random_query() -> dict:
        sort, search = rng.choice(["balance", "name"]), rng.choice(searches)
        as_of = yesterday if rng.random() < 0.25 else None
        query = {"sort": sort, "q": search}
        if as_of:
            query["as_of"] = as_of.isoformat()
        if rng.random() < 0.7:
            query["cursor"] = deep_cursor(security, sort, search, as_of, rng)
        return query

    sql_ms: dict[str, list[float]] = {page_url: [], api_url: []}
    slowest: dict[str, tuple] = {}   # url -> (ms, query, SQL ms, its slowest statement): where a stall went


    def timed(url: str, query: dict, expect_ok: bool = True) -> tuple[float, int]:
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url, query)
            elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200 or not expect_ok, (url, query, response.status_code)
        sql_ms[url].append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
        if elapsed > slowest.get(url, (0,))[0]:
            worst = max(queries.captured_queries, key=lambda q: float(q["time"]), default={"time": 0, "sql": ""})
            slowest[url] = (elapsed, query, sql_ms[url][-1], float(worst["time"]) * 1000, worst["sql"][:300])
        return elapsed, len(queries)

    for _ in range(5):   # warm up (templates, caches, plans): not counted
        timed(page_url, random_query())
        timed(api_url, random_query())
    slowest.clear()
    page_ms, api_ms, page_queries, api_queries = [], [], [], []
    for _ in range(PAGES):
        ms, n = timed(page_url, random_query())
        page_ms.append(ms)
        page_queries.append(n)
        ms, n = timed(api_url, random_query() | {"limit": "50"})
        api_ms.append(ms)
        api_queries.append(n)
    say(f"page: p50 {pct(page_ms, 0.5):.1f} ms, p95 {pct(page_ms, 0.95):.1f} ms, max {max(page_ms):.1f} ms; "
        f"queries {min(page_queries)}..{max(page_queries)}")
    say(f"API: p50 {pct(api_ms, 0.5):.1f} ms, p95 {pct(api_ms, 0.95):.1f} ms, max {max(api_ms):.1f} ms; "
        f"queries {min(api_queries)}..{max(api_queries)}")
    say(f"time in SQL per request (as the client measured it): page p50 {pct(sql_ms[page_url], 0.5):.1f} ms, "
        f"p95 {pct(sql_ms[page_url], 0.95):.1f} ms; API p50 {pct(sql_ms[api_url], 0.5):.1f} ms, "
        f"p95 {pct(sql_ms[api_url], 0.95):.1f} ms")
    for url, (ms, query, sql, worst_ms, worst_sql) in slowest.items():
        say(f"slowest {'page' if url == page_url else 'API'} request: {ms:.1f} ms, {sql:.1f} ms of it in SQL "
            f"(slowest statement {worst_ms:.1f} ms: {worst_sql}); query {query}")
    say(f"machine load while measuring: {os.getloadavg()[0]:.1f} (1-minute average; {os.cpu_count()} CPUs)")

    start = time.perf_counter()
    response = client.get(reverse("ledger:cap-table-csv", args=[security.pk]))
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    csv_seconds = time.perf_counter() - start
    say(f"CSV: {lines - 1} holders, {size / 1e6:.1f} MB streamed in {csv_seconds:.2f}s")
    assert lines - 1 == HOLDERS and snapshot.bulk

    return (f"RESULT holders={holders} page_p95_ms={pct(page_ms, 0.95):.1f} api_p95_ms={pct(api_ms, 0.95):.1f} "
            f"queries_per_page={max(page_queries)} csv_seconds={csv_seconds:.2f} "
            f"snapshot_seconds={snapshot_seconds:.2f}")


def main() -> int:
    from bench.isolation import run_isolated

    print(run_isolated(lambda redis: run(), database="bench_captable", env={"ALLOWED_HOSTS": "testserver"}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
