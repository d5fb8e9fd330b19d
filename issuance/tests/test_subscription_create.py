"""A verified investor subscribes; limits, dates and eligibility are checked by the service."""

import datetime as dt

import pytest

from core.errors import ApplicationError, ConflictError
from issuance.models import Subscription
from issuance.services import offering_close, subscription_create

from .factories import SubscriptionFactory


def test_investor_subscribes_and_owes_the_price(offering, verified_investor):
    sub = subscription_create(offering=offering, units="3", actor=verified_investor)
    assert sub.status == Subscription.Status.PENDING and sub.units == 3
    assert str(sub.amount_due) == "300,000 JPY" and sub.payment_reference == f"SUB-{sub.pk:06d}"


@pytest.mark.parametrize(("units", "code"), [("0", "not_positive"), ("-2", "invalid_amount"), ("1.5", "invalid_amount"),
                                             ("abc", "invalid_amount"), ("", "required")])
def test_bad_amounts_are_refused(offering, verified_investor, units, code):
    with pytest.raises(ApplicationError) as err:
        subscription_create(offering=offering, units=units, actor=verified_investor)
    assert err.value.code == code
    assert not Subscription.objects.exists()


def test_below_minimum_is_refused(offering, verified_investor):
    offering.min_subscription = 5
    offering.save()
    with pytest.raises(ApplicationError) as err:
        subscription_create(offering=offering, units="4", actor=verified_investor)
    assert err.value.code == "below_minimum"


def test_above_the_remaining_cap_is_refused(offering, verified_investor):
    SubscriptionFactory.create_batch(2, offering=offering, units=48)
    with pytest.raises(ApplicationError) as err:
        subscription_create(offering=offering, units="5", actor=verified_investor)
    assert err.value.code == "above_remaining_cap" and "4 units" in err.value.message
    assert subscription_create(offering=offering, units="4", actor=verified_investor).units == 4


def test_rejected_subscriptions_free_the_cap(offering, verified_investor):
    SubscriptionFactory.create_batch(2, offering=offering, units=50, status="rejected")
    assert subscription_create(offering=offering, units="50", actor=verified_investor)


def test_above_the_per_investor_maximum_is_refused(offering, verified_investor):
    subscription_create(offering=offering, units="40", actor=verified_investor)
    with pytest.raises(ApplicationError) as err:
        subscription_create(offering=offering, units="11", actor=verified_investor)
    assert err.value.code == "above_investor_maximum"


def test_closed_or_not_yet_open_offering_is_refused(offering, verified_investor, issuer_admin):
    with pytest.raises(ConflictError):
        subscription_create(offering=offering, units="1", actor=verified_investor,
                            today=offering.opens_on - dt.timedelta(days=1))
    offering_close(offering=offering, actor=issuer_admin)
    with pytest.raises(ConflictError) as err:
        subscription_create(offering=offering, units="1", actor=verified_investor)
    assert err.value.code == "offering_not_open"


def test_ineligible_investor_gets_the_rule_engines_reason(offering, verified_investor, facts):
    offering.security.blocked_countries = ["US"]
    offering.security.save()
    facts[verified_investor.pk] = {"country": "US"}
    with pytest.raises(ApplicationError) as err:
        subscription_create(offering=offering, units="1", actor=verified_investor)
    assert err.value.code == "country_not_allowed"
    assert "This security is not open to residents of the investor's country." in err.value.message


def test_investor_without_kyc_is_refused(offering, unverified_investor, facts):
    facts[unverified_investor.pk] = {"kyc_approved": False}
    with pytest.raises(ApplicationError) as err:
        subscription_create(offering=offering, units="1", actor=unverified_investor)
    assert err.value.code == "kyc_not_approved"


def test_max_holding_counts_earlier_subscriptions_in_the_security(offering, verified_investor):
    offering.security.max_holding = 6
    offering.security.save()
    subscription_create(offering=offering, units="5", actor=verified_investor)
    with pytest.raises(ApplicationError) as err:
        subscription_create(offering=offering, units="2", actor=verified_investor)
    assert err.value.code == "max_balance_exceeded"
