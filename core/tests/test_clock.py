"""The business-date clock (core.clock): moved by set, shift and reset (audited), shifted for
the whole test run by the seeded offset, and shared by every process through the database."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.utils import timezone

from core import clock
from core.errors import ApplicationError
from core.models import AuditEvent, BusinessClock

ROOT = Path(__file__).resolve().parents[2]


def test_the_run_is_shifted_by_its_seeded_offset(db, business_date_offset):
    assert clock.offset_days() == business_date_offset
    assert clock.business_today() == timezone.localdate() + dt.timedelta(days=business_date_offset)
    assert clock.calendar_date(clock.business_today()) == timezone.localdate()
    assert clock.business_date_of(timezone.now()) == clock.business_today()


def test_shift_set_and_reset_move_the_business_date_and_are_audited(operator):
    start = clock.business_today()
    assert clock.business_date_shift(days=-40, actor=operator) == start - dt.timedelta(days=40)
    assert clock.business_today() == start - dt.timedelta(days=40)

    day = dt.date(2031, 2, 28)
    assert clock.business_date_set(day=day, actor=operator) == day
    assert clock.business_today() == day
    assert clock.offset_days() == (day - timezone.localdate()).days

    assert clock.business_date_reset(actor=operator) == timezone.localdate()
    assert clock.business_today() == timezone.localdate() and clock.offset_days() == 0

    events = list(AuditEvent.objects.filter(action__startswith="business_date.").order_by("id"))
    assert [e.action for e in events] == ["business_date.shift", "business_date.set", "business_date.reset"]
    assert all(e.actor == operator and e.object_type == "core.businessclock" for e in events)
    assert events[0].old_values["business_date"] == start.isoformat()
    assert events[0].new_values["business_date"] == (start - dt.timedelta(days=40)).isoformat()
    assert events[1].new_values == {"offset_days": (day - timezone.localdate()).days, "business_date": day.isoformat()}


def test_a_clock_far_off_the_calendar_is_refused_and_nothing_moves(operator):
    before = clock.business_today()
    with pytest.raises(ApplicationError) as err:
        clock.business_date_shift(days=clock.MAX_OFFSET_DAYS + 400, actor=operator)
    assert err.value.code == "business_date_out_of_range"
    assert clock.business_today() == before
    assert not AuditEvent.objects.filter(action__startswith="business_date.").exists()


def test_a_change_is_seen_at_once_in_this_process_despite_the_cache(operator):
    clock.business_today()                      # cached now
    clock.business_date_shift(days=3, actor=operator)
    assert clock.offset_days() == BusinessClock.objects.get(pk=1).offset_days


def _database_url() -> str:
    db = settings.DATABASES["default"]
    user, password = quote(db.get("USER") or ""), quote(db.get("PASSWORD") or "")
    host = db.get("HOST") or (db.get("OPTIONS") or {}).get("host", "")
    if host.startswith("/"):
        return f"postgresql://{user}:{password}@/{db['NAME']}?host={host}"
    return f"postgresql://{user}:{password}@{host or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _manage(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    return subprocess.run([sys.executable, "manage.py", "business_date", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.django_db(transaction=True)
def test_another_process_reads_and_moves_the_same_clock(operator):
    day = clock.business_date_set(day=dt.date(2029, 7, 14), actor=operator)
    shown = _manage("show")
    assert shown.returncode == 0, shown.stderr
    assert f"business date {day.isoformat()}" in shown.stdout

    moved = _manage("shift", "-5", "--actor", operator.email)
    assert moved.returncode == 0, moved.stderr
    clock.forget()      # this process would see it within clock.CACHE_SECONDS anyway
    assert clock.business_today() == day - dt.timedelta(days=5)
    assert AuditEvent.objects.filter(action="business_date.shift", actor=operator).count() == 1
