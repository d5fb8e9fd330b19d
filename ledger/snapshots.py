"""As-of views of the register, replayed from the append-only action log and kept as
CapTableSnapshot rows for past days (the nightly `ledger.snapshot_sweep` task takes
yesterday's; any past day is taken on first use). A snapshot's positions and holders are
rows (SnapshotPosition, SnapshotHolder) written in bulk, read with the cap table's keyset
paging (ledger.captable_selectors)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.clock import business_today, calendar_date
from issuance.models import Security

from .models import CapTableSnapshot, ControlBook, SnapshotPosition, TokenAction

K = TokenAction.Kind


def replay(*, security: Security, as_of: date) -> dict[str, list[int]]:
    """{wallet: [investor id, balance, frozen]} at the end of business day `as_of` (the actions
    recorded before the next business day began, local time; core.clock)."""
    end = _day_end(as_of)
    state: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    fields = ("kind", "from_investor_id", "from_wallet", "to_investor_id", "to_wallet", "amount")
    for a in TokenAction.objects.filter(security=security, created_at__lt=end).order_by("id").values(*fields):
        kind, amount = a["kind"], int(a["amount"])
        src = state[a["from_wallet"]] if a["from_wallet"] else None
        dst = state[a["to_wallet"]] if a["to_wallet"] else None
        if src is not None and a["from_investor_id"]:
            src[0] = a["from_investor_id"]
        if dst is not None and a["to_investor_id"]:
            dst[0] = a["to_investor_id"]
        if kind == K.ISSUE:
            dst[1] += amount
        elif kind in (K.TRANSFER, K.FORCED_TRANSFER, K.DVP_DELIVERY, K.DVP_PAYMENT, K.PAYMENT, K.REDEEM):
            src[1] -= amount
            src[2] = min(src[2], src[1])
            if kind != K.REDEEM:
                dst[1] += amount
        elif kind == K.RECOVER:
            dst[1] += src[1]
            dst[2] += src[2]
            src[1] = src[2] = 0
        elif kind == K.FREEZE_TOKENS:
            src[2] += amount
        elif kind == K.UNFREEZE_TOKENS:
            src[2] -= amount
    state.pop("", None)
    return {wallet: values for wallet, values in state.items() if values[1] or values[2]}


def positions_as_of(*, security: Security, as_of: date) -> dict[str, list[int]]:
    """The snapshot of a past day (taken now if missing); today or later: a live replay."""
    if as_of >= business_today():
        return replay(security=security, as_of=as_of)
    snapshot = snapshot_take(security=security, as_of=as_of)
    rows = SnapshotPosition.objects.filter(snapshot=snapshot).values_list("wallet", "investor_id", "balance", "frozen")
    return {wallet: [investor, int(balance), int(frozen)] for wallet, investor, balance, frozen in rows}


def snapshot_take(*, security: Security, as_of: date) -> CapTableSnapshot:
    """Record the register at the end of a past day (idempotent), in bulk: the positions as
    SnapshotPosition rows and their sums per investor as SnapshotHolder rows. When nothing
    happened to the security since that day ended (the nightly sweep's usual case), one
    INSERT ... SELECT copies today's positions; otherwise the action log is replayed to that
    day and the rows go in as arrays (one INSERT ... SELECT FROM unnest). A snapshot kept in
    the older JSON form (`positions`) is turned into rows on first use."""
    if as_of >= business_today():
        raise ValueError("only past days can be snapshotted")
    found = CapTableSnapshot.objects.filter(security=security, as_of=as_of).first()
    if found is not None and found.bulk:
        return found
    if found is None:
        try:
            with transaction.atomic():   # a twin's uncommitted row makes this wait, then fail
                snapshot = CapTableSnapshot.objects.create(security=security, as_of=as_of)
                _build(snapshot, legacy=False)
                return snapshot
        except IntegrityError:  # a concurrent twin took it first
            pass
    with transaction.atomic():  # a snapshot in the older JSON form: its rows, once
        snapshot = CapTableSnapshot.objects.select_for_update().get(security=security, as_of=as_of)
        if not snapshot.bulk:
            _build(snapshot, legacy=True)
    return snapshot


def _day_end(as_of: date) -> datetime:
    return timezone.make_aware(datetime.combine(calendar_date(as_of) + timedelta(days=1), time.min))


def _build(snapshot: CapTableSnapshot, *, legacy: bool) -> None:
    security, as_of = snapshot.security, snapshot.as_of
    with connection.cursor() as cursor:
        if legacy:
            _insert_positions(cursor, snapshot, snapshot.positions)
            _insert_holders(cursor, snapshot)
        elif not _copy_register(cursor, snapshot):
            _insert_positions(cursor, snapshot, replay(security=security, as_of=as_of))
            _insert_holders(cursor, snapshot)
        cursor.execute(
            "SELECT count(*) FILTER (WHERE balance > 0), coalesce(sum(balance), 0), coalesce(sum(frozen), 0)"
            " FROM ledger_snapshotholder WHERE snapshot_id = %s", [snapshot.pk])
        snapshot.holders, snapshot.outstanding, snapshot.frozen = cursor.fetchone()
        # Fresh statistics for the rows just written: the day is read at once (a snapshot is taken on
        # first use), and before autovacuum's ANALYZE a search on a 100,000-row snapshot was planned
        # as if the tables were empty (a wallet search ran for 71 s in bench-captable).
        cursor.execute("ANALYZE ledger_snapshotposition, ledger_snapshotholder")
    snapshot.bulk = True
    snapshot.save(update_fields=["bulk", "holders", "outstanding", "frozen"])


def _copy_register(cursor, snapshot: CapTableSnapshot) -> bool:
    """The register as it is now, when nothing happened to the security since the day ended:
    two INSERT ... SELECT (positions, and holders with their keys). The check comes after the
    copies, so an action committed before either copy is seen and the copies are dropped."""
    security_id = snapshot.security_id
    if TokenAction.objects.filter(security_id=security_id, created_at__gte=_day_end(snapshot.as_of)).exists():
        return False
    cursor.execute(
        "INSERT INTO ledger_snapshotposition (snapshot_id, investor_id, wallet, balance, frozen)"
        " SELECT %s, investor_id, wallet, balance, frozen FROM ledger_position"
        " WHERE security_id = %s AND (balance > 0 OR frozen > 0) ORDER BY investor_id", [snapshot.pk, security_id])
    cursor.execute(
        "INSERT INTO ledger_snapshotholder (snapshot_id, investor_id, balance, frozen, name_key, email_key)"
        " SELECT %s, investor_id, balance, frozen, name_key, email_key FROM ledger_holder"
        " WHERE security_id = %s AND (balance > 0 OR frozen > 0) ORDER BY investor_id", [snapshot.pk, security_id])
    if TokenAction.objects.filter(security_id=security_id, created_at__gte=_day_end(snapshot.as_of)).exists():
        cursor.execute("DELETE FROM ledger_snapshotposition WHERE snapshot_id = %s", [snapshot.pk])
        cursor.execute("DELETE FROM ledger_snapshotholder WHERE snapshot_id = %s", [snapshot.pk])
        return False
    return True


def _insert_holders(cursor, snapshot: CapTableSnapshot) -> None:
    cursor.execute(
        "INSERT INTO ledger_snapshotholder (snapshot_id, investor_id, balance, frozen, name_key, email_key)"
        " SELECT %s, p.investor_id, sum(p.balance), sum(p.frozen),"
        " lower(coalesce(nullif(u.full_name, ''), u.email)), lower(u.email)"
        " FROM ledger_snapshotposition p JOIN accounts_user u ON u.id = p.investor_id"
        " WHERE p.snapshot_id = %s GROUP BY p.investor_id, u.full_name, u.email", [snapshot.pk, snapshot.pk])


def _array(values: list) -> str:
    """A PostgreSQL array literal, sent as one text parameter instead of one per element."""
    if values and isinstance(values[0], str):
        return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"
    return "{" + ",".join(str(int(v)) for v in values) + "}"


def _insert_positions(cursor, snapshot: CapTableSnapshot, positions: dict[str, list[int]]) -> None:
    items = [(w, v) for w, v in positions.items() if w and (int(v[1]) or int(v[2]))]
    if not items:
        return
    cursor.execute(
        "INSERT INTO ledger_snapshotposition (snapshot_id, investor_id, wallet, balance, frozen)"
        " SELECT %s, i, w, b, f FROM unnest(%s::bigint[], %s::text[], %s::numeric[], %s::numeric[]) AS t(i, w, b, f)"
        " ORDER BY i",
        [snapshot.pk, _array([v[0] for _w, v in items]), _array([w for w, _v in items]),
         _array([v[1] for _w, v in items]), _array([v[2] for _w, v in items])])


def snapshot_sweep(*, as_of: date | None = None) -> int:
    """Snapshot every security with a control book for `as_of` (default yesterday)."""
    day = as_of or business_today() - timedelta(days=1)
    ids = ControlBook.objects.values_list("security_id", flat=True)
    for security in Security.objects.filter(pk__in=ids):
        snapshot_take(security=security, as_of=day)
    return len(ids)
