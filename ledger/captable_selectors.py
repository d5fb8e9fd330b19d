"""Reads of the cap table at any size (issue 16): one page of holders at a time by keyset
(cursor) pagination, sorted by balance (largest first, ties by investor id, largest first) or
by name (the display name, lower case, then investor id), searched by investor (name or
e-mail prefix) or wallet (address prefix, any letter case); the totals and the ownership
chart from SQL aggregates; the CSV rows from a server-side cursor.

Today's cap table reads ledger.Holder and ledger.Position; a past day reads that day's
snapshot (SnapshotHolder, SnapshotPosition; ledger.snapshots builds it in bulk on first use).
A page costs the same few queries whatever the number of holders: the page (limit + 1 rows),
its wallets, the totals and the chart. Every read is an ORM query, so a database router
(core.db.replica_reads) can send it to a replica.

Cursors are opaque: signed JSON (django.core.signing) naming the sort, the search, the day,
the direction and the last key seen; anything else is a 400 `invalid_cursor`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core import signing
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Collate, Lower
from django.utils.translation import gettext as _

from core.clock import business_today
from core.errors import ApplicationError
from issuance.models import Security

from .models import CapTableSnapshot, ControlBook, Holder, HolderCount, Position, SnapshotHolder, SnapshotPosition
from .snapshots import snapshot_take

SORTS = ("balance", "name")
PAGE_SIZE = 50
PAGE_MAX = 200
SEARCH_MAX = 100
CURSOR_MAX = 600
CHART_TOP = 10
CSV_CHUNK = 5000
_SALT = "ledger.captable.cursor"
_WALLET_PREFIX = re.compile(r"0x[0-9a-f]{0,40}")


class CapTableInputError(ApplicationError):
    """A sort, search, cursor or page size the cap table cannot take (400)."""

    default_code = "invalid_cap_table_query"


@dataclass
class HolderRow:
    investor_id: int
    name: str
    email: str
    wallets: list[str]
    balance: int
    frozen: int
    percent: Decimal
    name_key: str = ""     # the name sort's key (lower case)
    full_name: str = ""    # as the investor gave it ("" when none: `name` is then the e-mail)


@dataclass(frozen=True)
class Totals:
    holders: int
    outstanding: int
    frozen: int
    held: int


@dataclass(frozen=True)
class ChartSlice:
    label: str
    balance: int
    percent: Decimal
    others: bool = False


@dataclass
class CapTablePage:
    rows: list[HolderRow]
    totals: Totals
    chart: list[ChartSlice]
    sort: str
    search: str
    as_of: date | None
    next: str | None = None
    previous: str | None = None
    limit: int = PAGE_SIZE
    snapshot: CapTableSnapshot | None = field(default=None, repr=False)


# --- the source: today's register or a past day's snapshot ---------------------------------------

@dataclass(frozen=True)
class _Source:
    holders: QuerySet
    positions: QuerySet


def _source(security: Security, as_of: date | None) -> tuple[_Source, CapTableSnapshot | None]:
    if as_of is None or as_of >= business_today():
        return _Source(Holder.objects.filter(security=security), Position.objects.filter(security=security)), None
    snapshot = snapshot_take(security=security, as_of=as_of)   # the day's rows are written on first use
    return _Source(SnapshotHolder.objects.filter(snapshot=snapshot),
                   SnapshotPosition.objects.filter(snapshot=snapshot)), snapshot


def _percent(balance: int, total: int) -> Decimal:
    return (Decimal(balance * 100) / total).quantize(Decimal("0.01")) if total else Decimal(0)


# --- input ---------------------------------------------------------------------------------------

def clean_sort(value: str | None) -> str:
    value = (value or "balance").strip()
    if value not in SORTS:
        raise CapTableInputError(_("Sort by balance or name."), code="invalid_sort", fields={"sort": [
            _("Sort by balance or name.")]})
    return value


def clean_search(value: str | None) -> str:
    """Lower case, trimmed; a search starting with 0x must be a hexadecimal address prefix."""
    value = (value or "").strip().lower()
    message = None
    if len(value) > SEARCH_MAX:
        message = _("Search with at most %(n)s characters.") % {"n": SEARCH_MAX}
    elif value.startswith("0x") and not _WALLET_PREFIX.fullmatch(value):
        message = _("A wallet search is 0x followed by hexadecimal digits.")
    elif any(ord(c) < 32 for c in value):
        message = _("The search contains control characters.")
    if message:
        raise CapTableInputError(message, code="invalid_search", fields={"q": [message]})
    return value


def clean_limit(value: str | int | None) -> int:
    if value in (None, ""):
        return PAGE_SIZE
    try:
        limit = int(value)
    except (TypeError, ValueError):
        limit = 0
    if not 1 <= limit <= PAGE_MAX:
        message = _("A page holds 1 to %(n)s holders.") % {"n": PAGE_MAX}
        raise CapTableInputError(message, code="invalid_limit", fields={"limit": [message]})
    return limit


def _cursor_error() -> CapTableInputError:
    message = _("This page link is not valid (or no longer matches the sort and search): start again.")
    return CapTableInputError(message, code="invalid_cursor", fields={"cursor": [message]})


def encode_cursor(*, sort: str, search: str, as_of: date | None, direction: str, row: HolderRow) -> str:
    key = str(row.balance) if sort == "balance" else row.name_key
    return signing.dumps({"s": sort, "q": search, "t": as_of.isoformat() if as_of else "", "d": direction,
                          "k": key, "i": row.investor_id}, salt=_SALT, compress=False)


def _decode(cursor: str, *, sort: str, search: str, as_of: date | None) -> dict | None:
    if not cursor:
        return None
    if len(cursor) > CURSOR_MAX:
        raise _cursor_error()
    try:
        data = signing.loads(cursor, salt=_SALT)
    except signing.BadSignature:
        raise _cursor_error() from None
    if (not isinstance(data, dict) or data.get("s") != sort or data.get("q") != search
            or data.get("t") != (as_of.isoformat() if as_of else "") or data.get("d") not in ("a", "b")
            or not isinstance(data.get("i"), int) or not isinstance(data.get("k"), str)):
        raise _cursor_error()
    if sort == "balance" and not data["k"].isdigit():
        raise _cursor_error()
    return data


# --- the page ----------------------------------------------------------------------------------

def _searched(holders: QuerySet, positions: QuerySet, search: str) -> list[QuerySet]:
    """The search as one or two arms, each a plain filter an index can answer in the page's order:
    a wallet prefix as IN (the planner reads the matching wallets by their index and sorts the few
    holders; EXISTS was tried: it walks the sort's index probing each holder's wallets, 10,000
    probes for `0xab` at 100,000 holders, 5 times slower); an investor prefix as two arms
    (name, e-mail) read separately and merged, since `name LIKE q% OR email LIKE q%` can use
    neither index as a range and walks the whole sort index filtering (a name sort searching 田中,
    which sorts after every Latin name, read 85,000 rows for 51 at 100,000 holders)."""
    if not search:
        return [holders]
    if search.startswith("0x"):
        ids = (positions.filter(balance__gt=0).annotate(wallet_ci=Collate(Lower("wallet"), "C"))
               .filter(wallet_ci__startswith=search).values("investor_id"))
        return [holders.filter(investor_id__in=ids)]
    return [holders.filter(name_key__startswith=search), holders.filter(email_key__startswith=search)]


def _keyset(holders: QuerySet, sort: str, cursor: dict | None) -> tuple[QuerySet, list[str], bool]:
    """The holders after (or before) the cursor's key, in the order to read them (returned too);
    True when reading backwards (the rows come reversed)."""
    backwards = bool(cursor) and cursor["d"] == "b"
    if sort == "balance":
        order = ["balance", "investor_id"] if backwards else ["-balance", "-investor_id"]
        if cursor:
            b, i = int(cursor["k"]), cursor["i"]
            holders = (holders.filter(balance__gte=b).filter(Q(balance__gt=b) | Q(investor_id__gt=i)) if backwards
                       else holders.filter(balance__lte=b).filter(Q(balance__lt=b) | Q(investor_id__lt=i)))
    else:
        order = ["-name_key", "-investor_id"] if backwards else ["name_key", "investor_id"]
        if cursor:
            n, i = cursor["k"], cursor["i"]
            holders = (holders.filter(name_key__lte=n).filter(Q(name_key__lt=n) | Q(investor_id__lt=i)) if backwards
                       else holders.filter(name_key__gte=n).filter(Q(name_key__gt=n) | Q(investor_id__gt=i)))
    return holders.order_by(*order), order, backwards


_FIELDS = ("investor_id", "balance", "frozen", "name_key", "investor__full_name", "investor__email")


def _rows(arms: list[QuerySet], order: list[str], positions: QuerySet, total: int, limit: int) -> list[HolderRow]:
    """The first `limit` rows of the arms (each ordered), merged in one query: UNION of the arms'
    own first `limit` rows, ordered again (the union drops a holder both arms found)."""
    parts = [arm.values(*_FIELDS)[:limit] for arm in arms]
    query = parts[0] if len(parts) == 1 else parts[0].union(*parts[1:]).order_by(*order)[:limit]
    values = list(query)
    wallets: dict[int, list[str]] = {}
    if values:
        ids = [v["investor_id"] for v in values]
        for investor_id, wallet in (positions.filter(investor_id__in=ids, balance__gt=0)
                                    .order_by("wallet").values_list("investor_id", "wallet")):
            wallets.setdefault(investor_id, []).append(wallet)
    return [HolderRow(investor_id=v["investor_id"], name=v["investor__full_name"] or v["investor__email"],
                      email=v["investor__email"], wallets=wallets.get(v["investor_id"], []),
                      balance=int(v["balance"]), frozen=int(v["frozen"]), percent=_percent(int(v["balance"]), total),
                      name_key=v["name_key"], full_name=v["investor__full_name"]) for v in values]


def cap_table_page(*, security: Security, as_of: date | None = None, sort: str | None = "balance",
                   search: str | None = "", cursor: str | None = "", limit: int | str | None = PAGE_SIZE,
                   chart_top: int = CHART_TOP) -> CapTablePage:
    """One page of holders with the totals and the chart. Raises CapTableInputError (400) for
    a bad sort, search, cursor or limit."""
    sort, search, limit = clean_sort(sort), clean_search(search), clean_limit(limit)
    live = as_of is None or as_of >= business_today()
    day = None if live else as_of
    position = _decode(cursor or "", sort=sort, search=search, as_of=day)
    source, snapshot = _source(security, day)
    totals = _totals(security, snapshot)
    arms = [_keyset(arm, sort, position) for arm in _searched(source.holders.filter(balance__gt=0),
                                                             source.positions, search)]
    backwards, order = arms[0][2], arms[0][1]
    rows = _rows([arm for arm, _o, _b in arms], order, source.positions, totals.outstanding, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    chart = _chart(source.holders, totals.outstanding, chart_top) if chart_top else []
    page = CapTablePage(rows=rows, totals=totals, chart=chart, sort=sort, search=search, as_of=day, limit=limit,
                        snapshot=snapshot)
    if rows:
        def link(direction, row):
            return encode_cursor(sort=sort, search=search, as_of=day, direction=direction, row=row)
        if (more and not backwards) or (backwards and position):
            page.next = link("a", rows[-1])
        if (position and not backwards) or (backwards and more):
            page.previous = link("b", rows[0])
    return page


# --- aggregates ----------------------------------------------------------------------------------

def _totals(security: Security, snapshot: CapTableSnapshot | None) -> Totals:
    """A past day's totals were kept with its snapshot. Today's: the outstanding units from the
    control book (ledger.invariants: the positions always sum to it), the number of holders from
    ledger.HolderCount (kept by the triggers), and the frozen and held units from the few holders
    that have any (partial indexes): no query reads every holder's row."""
    if snapshot is not None:
        return Totals(holders=snapshot.holders, outstanding=int(snapshot.outstanding), frozen=int(snapshot.frozen),
                      held=0)
    holders = Holder.objects.filter(security=security)
    outstanding = ControlBook.objects.filter(security=security).values_list("outstanding", flat=True).first()
    count = HolderCount.objects.filter(security=security).values_list("holders", flat=True).first()
    return Totals(holders=count or 0, outstanding=int(outstanding or 0),
                  frozen=int(holders.filter(frozen__gt=0).aggregate(n=Sum("frozen"))["n"] or 0),
                  held=int(holders.filter(held__gt=0).aggregate(n=Sum("held"))["n"] or 0))


def _chart(holders: QuerySet, total: int, top: int) -> list[ChartSlice]:
    """The `top` largest holders and one slice for everyone else (from the totals)."""
    biggest = list(holders.filter(balance__gt=0).order_by("-balance", "-investor_id")
                   .values_list("balance", "investor__full_name", "investor__email")[:top])
    slices = [ChartSlice(label=name or email, balance=int(b), percent=_percent(int(b), total))
              for b, name, email in biggest]
    rest = total - sum(s.balance for s in slices)
    if rest > 0:
        slices.append(ChartSlice(label=_("Others"), balance=rest, percent=_percent(rest, total), others=True))
    return slices


def cap_table_totals(*, security: Security, as_of: date | None = None) -> Totals:
    day = None if as_of is None or as_of >= business_today() else as_of
    return _totals(security, _source(security, day)[1])


# --- every row (the CSV) -------------------------------------------------------------------------

def cap_table_rows(*, security: Security, as_of: date | None = None) -> Iterator[HolderRow]:
    """Every holder by investor id, read through server-side cursors in chunks: the holders and
    their wallets are two ordered streams merged on the investor (no query per holder). The day's
    snapshot and the total are read now; the rows as the iterator is consumed (a streamed CSV)."""
    day = None if as_of is None or as_of >= business_today() else as_of
    source, snapshot = _source(security, day)
    return _stream(source, _totals(security, snapshot).outstanding)


def _stream(source: _Source, total: int) -> Iterator[HolderRow]:
    holders = (source.holders.filter(balance__gt=0).order_by("investor_id")
               .values_list("investor_id", "balance", "frozen", "investor__full_name", "investor__email"))
    wallets = (source.positions.filter(balance__gt=0).order_by("investor_id", "wallet")
               .values_list("investor_id", "wallet").iterator(chunk_size=CSV_CHUNK))
    pending = next(wallets, None)
    for investor_id, balance, frozen, name, email in holders.iterator(chunk_size=CSV_CHUNK):
        mine = []
        while pending is not None and pending[0] <= investor_id:
            if pending[0] == investor_id:
                mine.append(pending[1])
            pending = next(wallets, None)
        yield HolderRow(investor_id=investor_id, name=name or email, email=email, wallets=mine, full_name=name,
                        balance=int(balance), frozen=int(frozen), percent=_percent(int(balance), total))


def cap_table(*, security: Security, as_of: date | None = None) -> list[HolderRow]:
    """Every holder, largest first (ties by investor id, largest first): small registers and
    tests; pages and exports use cap_table_page and cap_table_rows."""
    return sorted(cap_table_rows(security=security, as_of=as_of), key=lambda r: (-r.balance, -r.investor_id))

