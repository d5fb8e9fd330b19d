"""Row locks on the register and the writes under them.

Lock order, the same in every use case so concurrent ones never deadlock:
  1. the security's control book (FOR UPDATE when it changes or for pause, FOR SHARE otherwise),
  2. positions, sorted by (security_id, wallet), inserted-if-missing in that order first.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from accounts.models import User
from issuance.models import Security

from ..models import ControlBook, Position


def book_lock(security: Security, *, share: bool = False) -> ControlBook:
    """The security's control book, created on first use, locked FOR UPDATE (or FOR SHARE
    for use cases that only read it: transfers read `paused`)."""
    if not share:
        # Usually the book exists: lock it in one query (raw: the hot path of every use
        # case, and the ORM's query building costs more than the query); create it only on
        # first use.
        found = list(ControlBook.objects.raw(
            "SELECT * FROM ledger_controlbook WHERE security_id = %s FOR UPDATE", [security.pk]))
        if found:
            return found[0]
    ControlBook.objects.bulk_create(
        [ControlBook(security=security, authorized=int(security.authorized_shares or 0))], ignore_conflicts=True
    )
    if not share:
        return ControlBook.objects.select_for_update().get(security=security)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM ledger_controlbook WHERE security_id = %s FOR SHARE", [security.pk])
    return ControlBook.objects.get(security=security)


def positions_lock(security: Security, holders: Iterable[tuple[str, User | None]], *,
                   book_exclusive: bool = False) -> dict[str, Position]:
    """Lock (creating if missing) the positions of these (wallet, investor) pairs in wallet
    order. A pair with investor None must already exist.

    `book_exclusive`: the caller holds the control book FOR UPDATE, so no other use case of
    this security is taking position locks; the existing rows are then locked first in one
    query and only the missing ones are inserted (then all are locked again, in order)."""
    holders = sorted(dict(holders).items())
    if book_exclusive:
        wallets = [w for w, _u in holders]
        locked = {p.wallet: p for p in Position.objects.raw(   # raw: see book_lock
            "SELECT * FROM ledger_position WHERE security_id = %s AND wallet = ANY(%s) ORDER BY wallet FOR UPDATE",
            [security.pk, wallets])}
        if len(locked) == len(wallets):
            return locked
    new = [Position(security=security, wallet=w, investor=u) for w, u in holders if u is not None]
    if new:
        Position.objects.bulk_create(new, ignore_conflicts=True)
    wallets = [w for w, _u in holders]
    locked = Position.objects.select_for_update().filter(security=security, wallet__in=wallets).order_by("wallet")
    return {p.wallet: p for p in locked}


def position_save(position: Position) -> None:
    position.save(update_fields=["balance", "frozen", "wallet_frozen", "updated_at"])


_REGISTER_SAVE = (
    "WITH book AS (UPDATE ledger_controlbook SET issued = %s, redeemed = %s, outstanding = %s, updated_at = %s"
    " WHERE id = %s)"
    " UPDATE ledger_position AS p SET balance = v.balance, frozen = v.frozen, wallet_frozen = v.wallet_frozen,"
    " updated_at = %s FROM (VALUES {rows}) AS v(id, balance, frozen, wallet_frozen) WHERE p.id = v.id"
)


def register_save(book: ControlBook, positions: Iterable[Position]) -> None:
    """position_save for each of these positions and book.save(), in ONE statement (the
    book's UPDATE rides along as a data-modifying CTE). The rows are locked already; the
    CHECK constraints hold as for save()."""
    positions = list({p.pk: p for p in positions}.values())
    now = timezone.now()
    params = [int(book.issued), int(book.redeemed), int(book.outstanding), now, book.pk, now]
    for position in positions:
        params += [position.pk, int(position.balance), int(position.frozen), bool(position.wallet_frozen)]
        position.updated_at = now
    book.updated_at = now
    rows = ", ".join(["(%s::bigint, %s::numeric, %s::numeric, %s::boolean)"] * len(positions))
    with connection.cursor() as cursor:
        cursor.execute(_REGISTER_SAVE.format(rows=rows), params)
