"""As-of views of the register, replayed from the append-only action log and kept as
CapTableSnapshot rows for past days (the nightly `ledger.snapshot_sweep` task takes
yesterday's; any past day is taken on first use)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.clock import business_today, calendar_date
from issuance.models import Security

from .models import CapTableSnapshot, ControlBook, TokenAction

K = TokenAction.Kind


def replay(*, security: Security, as_of: date) -> dict[str, list[int]]:
    """{wallet: [investor id, balance, frozen]} at the end of business day `as_of` (the actions
    recorded before the next business day began, local time; core.clock)."""
    end = timezone.make_aware(datetime.combine(calendar_date(as_of) + timedelta(days=1), time.min))
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
    found = CapTableSnapshot.objects.filter(security=security, as_of=as_of).values_list("positions", flat=True).first()
    if found is not None:
        return found
    return snapshot_take(security=security, as_of=as_of).positions


def snapshot_take(*, security: Security, as_of: date) -> CapTableSnapshot:
    """Record the register at the end of a past day (idempotent)."""
    if as_of >= business_today():
        raise ValueError("only past days can be snapshotted")
    positions = replay(security=security, as_of=as_of)
    try:
        with transaction.atomic():
            return CapTableSnapshot.objects.get_or_create(security=security, as_of=as_of,
                                                          defaults={"positions": positions})[0]
    except IntegrityError:  # a concurrent twin took it first
        return CapTableSnapshot.objects.get(security=security, as_of=as_of)


def snapshot_sweep(*, as_of: date | None = None) -> int:
    """Snapshot every security with a control book for `as_of` (default yesterday)."""
    day = as_of or business_today() - timedelta(days=1)
    ids = ControlBook.objects.values_list("security_id", flat=True)
    for security in Security.objects.filter(pk__in=ids):
        snapshot_take(security=security, as_of=day)
    return len(ids)
