"""Withholding rates (servicing.withholding) from the default table in settings: residence
and kind from the investor profile, the TaxProfile's exemption or treaty rate, no profile."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import Role
from accounts.tests.factories import UserFactory
from investors.models import InvestorProfile, TaxProfile
from servicing.withholding import income_of, table_rate, withholding_for, withholding_many

from .conftest import holder

pytestmark = pytest.mark.django_db


def test_jp_resident_individual_on_bond_interest_and_dividends(holders):
    w = withholding_for(investor=holders.jp, income="interest")
    assert (w.rate, w.category, w.residence) == (Decimal("20.3150"), "JP:JP/individual/interest", "JP")
    assert withholding_for(investor=holders.jp, income="dividend").rate == Decimal("20.315")


def test_jp_resident_corporation_has_no_local_tax(holders):
    w = withholding_for(investor=holders.corp, income="interest")
    assert (w.rate, w.category) == (Decimal("15.315"), "JP:JP/corporate/*")


def test_non_resident_on_japanese_bond_interest_and_dividends(holders):
    w = withholding_for(investor=holders.us, income="interest")
    assert (w.rate, w.category, w.residence) == (Decimal("15.315"), "JP:*/*/interest", "US")
    assert withholding_for(investor=holders.us, income="dividend").rate == Decimal("20.42")


def test_us_source_us_person_and_non_us_person(holders):
    assert withholding_for(investor=holders.us, income="dividend", source="US").rate == 0
    assert withholding_for(investor=holders.jp, income="dividend", source="US").rate == Decimal("30")
    # portfolio interest: registered bond interest to a non-US person is not withheld
    assert withholding_for(investor=holders.jp, income="interest", source="US").rate == 0


def test_tax_residency_wins_over_residence_country(db):
    user, _wallet = holder("expat@example.test", country="US", tax_residency="JP")
    assert withholding_for(investor=user, income="interest").category == "JP:JP/individual/interest"
    InvestorProfile.objects.filter(user=user).update(tax_residency="")
    assert withholding_for(investor=user, income="interest").residence == "US"


def test_tax_profile_exemption_and_treaty_rate_override(holders, compliance_officer):
    TaxProfile.objects.create(user=holders.jp, exemption=TaxProfile.Exemption.EXEMPT, checked_by=compliance_officer)
    TaxProfile.objects.create(user=holders.us, exemption=TaxProfile.Exemption.TREATY, treaty_rate=Decimal("10"),
                              basis="Japan-US treaty art. 11, Form 3 filed", checked_by=compliance_officer)
    TaxProfile.objects.create(user=holders.corp, exemption=TaxProfile.Exemption.NONE)
    many = withholding_many(investor_ids=[holders.jp.pk, holders.us.pk, holders.corp.pk], income="interest")
    assert (many[holders.jp.pk].rate, many[holders.jp.pk].category) == (0, "exempt")
    assert (many[holders.us.pk].rate, many[holders.us.pk].category) == (Decimal("10.0000"), "treaty")
    assert many[holders.corp.pk].rate == Decimal("15.315")     # "none": the table's row


def test_no_profile_gets_the_most_conservative_row(db):
    nobody = UserFactory(email="noprofile@example.test", role=Role.INVESTOR)
    w = withholding_for(investor=nobody, income="interest")
    assert (w.rate, w.category, w.residence) == (Decimal("20.42"), "JP:*/*/*", "")
    assert withholding_for(investor=nobody, income="dividend", source="US").rate == Decimal("30")


def test_an_unknown_source_uses_the_wildcard_table(holders):
    assert withholding_for(investor=holders.jp, income="interest", source="SG").category == "*:JP/individual/interest"


def test_bad_income_kind_is_refused(holders, settings):
    with pytest.raises(ValueError):
        withholding_for(investor=holders.jp, income="capital_gain")
    settings.WITHHOLDING_RATES = {"JP": {("JP", "individual", "interest"): "20.315"}}
    with pytest.raises(LookupError):
        table_rate(source="JP", residence="FR", kind="individual", income="interest")


def test_income_of_each_kind():
    assert [income_of(k) for k in ("coupon", "redemption", "call", "dividend", "distribution")] == [
        "interest", "interest", "interest", "dividend", "distribution"]
