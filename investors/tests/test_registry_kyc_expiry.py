"""The registry contract checks KYC expiry against block time (real time), so the investor's
business expiry day goes out as the last second of the calendar day it falls on."""

import calendar
import datetime as dt

from django.utils import timezone

from core.clock import business_today
from investors.registry import kyc_expiry_unix


def test_the_registry_gets_the_calendar_end_of_the_business_expiry_day(db, business_date_offset):
    end_of_today = calendar.timegm((timezone.localdate() + dt.timedelta(days=1)).timetuple()) - 1
    assert kyc_expiry_unix(business_today()) == end_of_today
    assert kyc_expiry_unix(business_today() + dt.timedelta(days=30)) == end_of_today + 30 * 86400


def test_no_expiry_is_zero():
    assert kyc_expiry_unix(None) == 0
