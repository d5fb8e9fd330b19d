"""security_create (the page and the API both call it) refuses numbers that are not finite or
do not fit their column, and strings longer than their column, with a field error: never a
database error (a 500)."""

import datetime as dt

import pytest

from core.errors import ApplicationError
from issuance.models import Security
from issuance.services import security_create

BOND = {"face_value": "100000", "coupon_rate": "1.25", "coupon_frequency": "semiannual", "day_count": "ACT/365F",
        "issue_date": dt.date(2026, 4, 1), "maturity_date": dt.date(2031, 3, 31)}


def _create(issuer, actor, *, kind="bond", name="Bounds", terms=None, rules=None):
    return security_create(issuer=issuer, kind=kind, name=name, symbol="BND", currency="JPY",
                           terms=BOND if terms is None else terms, rules=rules or {}, actor=actor)


@pytest.mark.parametrize(("terms", "field"), [
    ({**BOND, "coupon_rate": "NaN"}, "coupon_rate"),
    ({**BOND, "coupon_rate": "sNaN"}, "coupon_rate"),
    ({**BOND, "coupon_rate": "Infinity"}, "coupon_rate"),
    ({**BOND, "coupon_rate": "1e400"}, "coupon_rate"),
    ({**BOND, "coupon_rate": "1.123456"}, "coupon_rate"),
    ({**BOND, "redemption_price": "1e400"}, "redemption_price"),
    ({**BOND, "redemption_price": "NaN"}, "redemption_price"),
    ({**BOND, "face_value": "1e25"}, "face_value"),
    ({**BOND, "face_value": "-Infinity"}, "face_value"),
])
def test_bad_numbers_in_terms_are_field_errors(issuer, issuer_admin, terms, field):
    with pytest.raises(ApplicationError) as err:
        _create(issuer, issuer_admin, terms=terms)
    assert field in err.value.fields and err.value.status == 400
    assert not Security.objects.exists()


@pytest.mark.parametrize("max_holders", [10**30, 2**31, "1e400", "NaN", "²", 1.5, True])
def test_max_holders_must_be_a_whole_number_that_fits(issuer, issuer_admin, max_holders):
    with pytest.raises(ApplicationError) as err:
        _create(issuer, issuer_admin, rules={"max_holders": max_holders})
    assert "max_holders" in err.value.fields


def test_strings_longer_than_their_column_are_field_errors(issuer, issuer_admin):
    with pytest.raises(ApplicationError) as err:
        _create(issuer, issuer_admin, name="n" * 201)
    assert "name" in err.value.fields
    with pytest.raises(ApplicationError) as err:
        _create(issuer, issuer_admin, kind="equity", terms={"share_class": "c" * 65, "authorized_shares": "1000"})
    assert "share_class" in err.value.fields
    assert not Security.objects.exists()


def test_values_at_the_edge_still_fit(issuer, issuer_admin):
    security = _create(issuer, issuer_admin, name="n" * 200, terms={**BOND, "coupon_rate": "99.9999"},
                       rules={"max_holders": 2**31 - 1})
    assert security.max_holders == 2**31 - 1 and str(security.coupon_rate) == "99.9999"
