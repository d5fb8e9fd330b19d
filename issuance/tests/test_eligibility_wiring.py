"""Eligibility goes through compliance.rules with the facts from
compliance.selectors.investor_facts_for (the real one here, not the test double)."""

import pytest

from core.errors import ApplicationError
from issuance import eligibility, selectors
from issuance.services import subscription_create

from .conftest import REAL_INVESTOR_FACTS


@pytest.fixture(autouse=True)
def _real_facts(monkeypatch, facts):
    monkeypatch.setattr(eligibility, "investor_facts", REAL_INVESTOR_FACTS)


def test_kyc_approved_investor_is_eligible_and_subscribes(offering, verified_investor):
    [row] = selectors.offerings_for_investor(user=verified_investor)
    assert row.eligible and row.reasons == []
    assert subscription_create(offering=offering, units="1", actor=verified_investor).units == 1


def test_investor_without_kyc_sees_the_reason_and_is_refused(offering, unverified_investor):
    [row] = selectors.offerings_for_investor(user=unverified_investor)
    assert not row.eligible and "Identity verification (KYC) is not complete." in row.reasons
    with pytest.raises(ApplicationError) as err:
        subscription_create(offering=offering, units="1", actor=unverified_investor)
    assert err.value.code == "kyc_not_approved"


def test_accredited_only_security_refuses_a_qualified_but_not_accredited_investor(offering, verified_investor):
    offering.security.accredited_only = True
    offering.security.save()
    [row] = selectors.offerings_for_investor(user=verified_investor)
    assert not row.eligible and "Only accredited investors may hold this security." in row.reasons
