"""The token checks its lock-up against block time (real time), so the deploy payload carries
the calendar day on which the business lock-up day falls (core.clock.calendar_date)."""

import calendar
import datetime as dt

from django.utils import timezone

from core.clock import business_today
from issuance.services.offerings import deploy_payload


def test_the_token_gets_the_lockup_day_on_the_calendar(bond, business_date_offset):
    bond.lockup_until = business_today() + dt.timedelta(days=10)
    expected = calendar.timegm((timezone.localdate() + dt.timedelta(days=10)).timetuple())
    assert deploy_payload(bond).rules.lockup_until == expected


def test_no_lockup_is_zero(bond):
    bond.lockup_until = None
    assert deploy_payload(bond).rules.lockup_until == 0
