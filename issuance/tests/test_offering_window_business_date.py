"""Whether an offering is open is decided by the business date (core.clock), not the calendar:
moving the clock past the closing date closes it, moving it back opens it again."""

import datetime as dt

import pytest

from core import clock
from core.errors import ConflictError
from issuance.models import Subscription
from issuance.selectors import offerings_for_investor
from issuance.services import offering_publish, subscription_create


def test_subscribing_follows_the_business_date(offering, verified_investor, operator):
    days_left = (offering.closes_on - clock.business_today()).days
    clock.business_date_shift(days=days_left + 1, actor=operator)        # the day after it closed
    with pytest.raises(ConflictError) as err:
        subscription_create(offering=offering, units="1", actor=verified_investor)
    assert err.value.code == "offering_not_open"
    assert not Subscription.objects.exists()

    clock.business_date_shift(days=-1, actor=operator)                   # its closing day
    sub = subscription_create(offering=offering, units="1", actor=verified_investor)
    assert sub.status == Subscription.Status.PENDING


def test_an_offering_not_open_yet_on_the_business_date(offering, verified_investor, operator):
    clock.business_date_set(day=offering.opens_on - dt.timedelta(days=1), actor=operator)
    with pytest.raises(ConflictError) as err:
        subscription_create(offering=offering, units="1", actor=verified_investor)
    assert err.value.code == "offering_not_open"


def test_publishing_after_the_business_closing_date_is_refused(draft_offering, issuer_admin, operator):
    clock.business_date_set(day=draft_offering.closes_on, actor=operator)
    with pytest.raises(ConflictError) as err:
        offering_publish(offering=draft_offering, actor=issuer_admin)
    assert err.value.code == "offering_closed"


def test_the_investors_list_judges_eligibility_on_the_business_date(offering, verified_investor, operator, facts):
    facts[verified_investor.pk] = {"kyc_expires_on": clock.business_today() + dt.timedelta(days=10)}
    assert [o.eligible for o in offerings_for_investor(user=verified_investor)] == [True]
    clock.business_date_shift(days=11, actor=operator)                   # the day after the KYC expired
    listed = offerings_for_investor(user=verified_investor)
    assert [o.offering for o in listed] == [offering] and [o.eligible for o in listed] == [False]
