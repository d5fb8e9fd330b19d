import pytest

from compliance.rules import InvestorFacts, SecurityRules, check_eligibility
from compliance.selectors import investor_facts_for
from core.clock import business_today
from investors.tests.factories import OTHER_WALLET, VERIFIED_INVESTOR_WALLET

pytestmark = pytest.mark.django_db


def test_verified_investor_facts(verified_investor):
    facts = investor_facts_for(user=verified_investor)
    assert isinstance(facts, InvestorFacts)
    assert facts.investor_id == verified_investor.pk
    assert facts.kyc_approved and facts.kyc_expires_on and facts.country == "JP"
    assert facts.investor_type == "qualified" and facts.qualified and not facts.accredited
    assert facts.wallet_registered and not facts.wallet_frozen
    assert check_eligibility(investor=facts, rules=SecurityRules(qualified_only=True), today=business_today()).allowed


def test_wallet_parameter(verified_investor):
    assert investor_facts_for(user=verified_investor, wallet=VERIFIED_INVESTOR_WALLET.lower()).wallet_registered
    assert not investor_facts_for(user=verified_investor, wallet=OTHER_WALLET).wallet_registered
    assert not investor_facts_for(user=verified_investor, wallet="garbage").wallet_registered


def test_unverified_investor_is_not_eligible(unverified_investor):
    facts = investor_facts_for(user=unverified_investor)
    assert not facts.kyc_approved and not facts.wallet_registered
    verdict = check_eligibility(investor=facts, rules=SecurityRules(), today=business_today())
    assert not verdict.allowed and verdict.reason == "kyc_not_approved"
