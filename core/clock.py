"""The business date: the one clock for what is due or open.

Every decision about what is due or open reads `business_today()`, never the wall clock:
offering windows, lock-ups, KYC expiry, the register's past days (as-of cap tables and
snapshots), later coupons and redemptions. Instants stay real time: sessions, token and
invitation lifetimes, throttles, audit and outbox times, relay and confirmer timings, and
signature deadlines checked against block time.

The business date is the local calendar date plus an offset in days, stored in one row
(core.BusinessClock) so that web and worker processes share it. `set` pins today's business
date to a day by storing the difference, so the business date then advances with the calendar.
Operators move it with `manage.py business_date show|set YYYY-MM-DD|shift N|reset` (audited);
the test suite shifts it by a seeded random offset of -365..+365 days (root conftest.py,
BUSINESS_DATE_SEED).

Cost: the offset is read through a per-process cache that lives CACHE_SECONDS, so hot paths
(every transfer check, every offering in a list) cost no query most of the time. A change made
in this process is seen at once; one made by another process (the management command) within
CACHE_SECONDS.

Turning a business day into an instant (the end of a day for the register's replay, the
lock-up timestamp a token contract checks against block time) goes through `calendar_date`:
the calendar date on which that business day falls under the current offset.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_record
from .errors import ApplicationError
from .models import BusinessClock

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

CACHE_SECONDS = 5.0
MAX_OFFSET_DAYS = 100 * 366   # a century either way: a typo, not a scenario, beyond that

_cached: tuple[float, int] | None = None   # (monotonic time read, offset in days)


def offset_days() -> int:
    """The business date's offset from the local calendar date, in days (0 when unset)."""
    global _cached
    cached = _cached
    now = time.monotonic()
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    offset = BusinessClock.objects.filter(pk=1).values_list("offset_days", flat=True).first() or 0
    _cached = (now, offset)
    return offset


def forget() -> None:
    """Drop this process's cached offset: the next read asks the database."""
    global _cached
    _cached = None


def business_today() -> date:
    """Today's business date: what every due/open decision compares with."""
    return timezone.localdate() + timedelta(days=offset_days())


def business_date_of(instant: datetime) -> date:
    """The business date on which `instant` (a real time) falls under the current offset."""
    return timezone.localdate(instant) + timedelta(days=offset_days())


def calendar_date(day: date) -> date:
    """The calendar date on which business day `day` falls under the current offset."""
    return day - timedelta(days=offset_days())


# -- moving it (operators, the demo, tests) -----------------------------------------------

def _clean_offset(offset: int) -> int:
    if not -MAX_OFFSET_DAYS <= offset <= MAX_OFFSET_DAYS:
        message = _("The business date may be at most %(days)s days from the calendar date.") % {
            "days": MAX_OFFSET_DAYS}
        raise ApplicationError(message, code="business_date_out_of_range")
    return offset


@transaction.atomic(durable=True)
def _offset_store(*, offset: Callable[[int], int], actor: AbstractBaseUser | None, action: str) -> date:
    """Store offset(the stored offset) under the row's lock, audited."""
    clock, _created = BusinessClock.objects.select_for_update().get_or_create(pk=1)
    today = timezone.localdate()
    old = {"offset_days": clock.offset_days, "business_date": today + timedelta(days=clock.offset_days)}
    clock.offset_days = _clean_offset(offset(clock.offset_days))
    clock.save(update_fields=["offset_days", "updated_at"])
    new = {"offset_days": clock.offset_days, "business_date": today + timedelta(days=clock.offset_days)}
    audit_record(action=action, actor=actor, obj=clock, old=old, new=new)
    forget()                          # this thread reads its own write at once
    transaction.on_commit(forget)     # and no other thread keeps a value cached before the commit
    transaction.on_commit(_changed_kick)
    return new["business_date"]


logger = logging.getLogger(__name__)


def _changed_kick() -> None:
    """After the business date moved: send settings.BUSINESS_DATE_CHANGED_TASK by name (the
    paying agent's sweep: what became due is paid now, not at beat's next run; core never
    imports servicing). "" = nothing. A broker hiccup is logged: beat's sweep follows anyway."""
    name = getattr(settings, "BUSINESS_DATE_CHANGED_TASK", "")
    if not name:
        return
    try:
        current_app.send_task(name)
    except Exception:   # the date has moved (committed); the periodic sweep will see it
        logger.warning("business date: could not send %s; beat's sweep will run it", name, exc_info=True)


def business_date_set(*, day: date, actor: AbstractBaseUser | None) -> date:
    """Make `day` today's business date (it then advances with the calendar)."""
    return _offset_store(offset=lambda _old: (day - timezone.localdate()).days, actor=actor,
                         action="business_date.set")


def business_date_shift(*, days: int, actor: AbstractBaseUser | None) -> date:
    """Move the business date by `days` (negative: back)."""
    return _offset_store(offset=lambda old: old + int(days), actor=actor, action="business_date.shift")


def business_date_reset(*, actor: AbstractBaseUser | None) -> date:
    """Make the business date the calendar date again."""
    return _offset_store(offset=lambda _old: 0, actor=actor, action="business_date.reset")
