"""The issuer's forms report every problem at once, and each on its field: an offering's
terms and an issuer application (the security form has its own test file)."""

import datetime as dt

import pytest

from core.errors import ApplicationError
from issuance.models import Issuer, Offering
from issuance.services import issuer_save, offering_create


def test_an_offering_with_several_problems_names_them_all(bond, issuer_member):
    data = {"title": "", "currency": "JPY", "price": "100.5", "min_subscription": "60", "max_subscription": "50",
            "target": "2000", "hard_cap": "1000", "opens_on": dt.date(2026, 6, 30), "closes_on": dt.date(2026, 5, 1)}
    with pytest.raises(ApplicationError) as err:
        offering_create(security=bond, data=data, actor=issuer_member)
    assert err.value.code == "required"  # the title: the first check, the code a fail-fast check gave
    assert set(err.value.fields) == {"title", "price", "min_subscription", "target", "closes_on"}
    assert err.value.fields["price"] == ["Amounts in JPY have no decimal places: enter a whole number."]
    assert not Offering.objects.exists()


def test_an_issuer_application_with_blanks_and_a_bad_country_names_them_all(issuer_org, issuer_admin):
    with pytest.raises(ApplicationError) as err:
        issuer_save(organization=issuer_org, actor=issuer_admin, legal_name="", registration_number=" ",
                    jurisdiction="ZZ", address="Tokyo", representatives="")
    assert set(err.value.fields) == {"legal_name", "registration_number", "jurisdiction", "representatives"}
    assert err.value.fields["jurisdiction"] == ["ZZ is not a country code: use two letters, such as JP or US."]
    assert not Issuer.objects.exists()
