"""Securities: equity, bond and fund terms; token decimals; rule settings and presets."""

import datetime as dt
from decimal import Decimal

import pytest

from compliance.rules import InvestorType, SecurityRules
from core.errors import ApplicationError, ConflictError, NotFoundError
from issuance.models import Security
from issuance.services import security_create

BOND = {"face_value": "100000", "coupon_rate": "1.25", "coupon_frequency": "semiannual", "day_count": "ACT/365F",
        "issue_date": dt.date(2026, 4, 1), "maturity_date": dt.date(2031, 3, 31), "redemption_price": "100"}


def test_bond_with_its_terms_and_rules(issuer, issuer_admin):
    s = security_create(issuer=issuer, kind="bond", name="Green Bond", symbol="gb31", currency="JPY", terms=BOND,
                        rules={"allowed_countries": ["JP", "sg"], "max_holders": 300, "max_holding": "100",
                               "lockup_until": dt.date(2026, 10, 1)}, actor=issuer_admin)
    assert (s.symbol, s.decimals, s.face_value, s.day_count) == ("GB31", 0, Decimal("100000"), "ACT/365F")
    assert s.rules() == SecurityRules(allowed_countries=frozenset({"JP", "SG"}), max_holders=300, max_holding=100,
                                      lockup_until=dt.date(2026, 10, 1))


def test_equity_and_fund_decimals_follow_the_instrument(issuer, issuer_member):
    eq = security_create(issuer=issuer, kind="equity", name="Class A", symbol="SKRA", currency="JPY",
                         terms={"share_class": "A", "par_value": "0", "authorized_shares": "1000000"}, rules={},
                         actor=issuer_member)
    fund = security_create(issuer=issuer, kind="fund", name="Robotics Fund", symbol="SKRF", currency="USD",
                           terms={"nav_per_unit": "10.25", "dealing_frequency": "monthly"},
                           rules={"max_holding": "1.5"}, actor=issuer_member)
    assert eq.decimals == 0 and eq.authorized_shares == 1_000_000
    assert fund.decimals == 6 and fund.max_holding == 1_500_000


def test_reg_d_preset_fills_the_rules_and_cannot_be_loosened(issuer, issuer_admin):
    s = security_create(issuer=issuer, kind="bond", name="US Note", symbol="USN", currency="USD", terms=BOND,
                        regulation="reg_d_506c", rules={"allowed_countries": ["US", "JP"]}, actor=issuer_admin)
    rules = s.rules()
    assert rules.allowed_countries == frozenset({"US"}) and rules.accredited_only
    assert InvestorType.RETAIL not in rules.investor_types


def test_reg_s_blocks_us_persons_and_fiea_wants_qualified_japanese(issuer, issuer_admin):
    s = security_create(issuer=issuer, kind="bond", name="Euro Note", symbol="EUN", currency="USD", terms=BOND,
                        regulation="reg_s", rules={"blocked_countries": ["KP"]}, actor=issuer_admin)
    assert s.rules().blocked_countries == frozenset({"US", "KP"})
    j = security_create(issuer=issuer, kind="bond", name="ST Bond", symbol="STB", currency="JPY", terms=BOND,
                        regulation="fiea_ertr", rules={}, actor=issuer_admin)
    assert j.rules().allowed_countries == frozenset({"JP"}) and j.rules().qualified_only


@pytest.mark.parametrize(("terms", "code"), [
    ({**BOND, "maturity_date": dt.date(2025, 1, 1)}, "invalid_dates"),
    ({**BOND, "face_value": "0"}, "not_positive"),
    ({**BOND, "face_value": "100.5"}, "invalid_amount"),       # JPY has no minor unit
    ({**BOND, "coupon_rate": "-1"}, "invalid_coupon"),
    ({**BOND, "day_count": "ACT/999"}, "invalid_choice"),
])
def test_bad_bond_terms_are_refused(issuer, issuer_admin, terms, code):
    with pytest.raises(ApplicationError) as err:
        security_create(issuer=issuer, kind="bond", name="Bad", symbol="BAD", currency="JPY", terms=terms, rules={},
                        actor=issuer_admin)
    assert err.value.code == code
    assert not Security.objects.exists()


def test_bad_rules_are_refused(issuer, issuer_admin):
    for rules, code in [({"allowed_countries": ["ZZ"]}, "unknown_country"),
                        ({"min_holding": "10", "max_holding": "5"}, "min_above_max"),
                        ({"investor_types": ["martian"]}, "invalid_choice")]:
        with pytest.raises(ApplicationError) as err:
            security_create(issuer=issuer, kind="bond", name="Bad", symbol="BAD", currency="JPY", terms=BOND,
                            rules=rules, actor=issuer_admin)
        assert err.value.code == code
    with pytest.raises(ApplicationError) as err:
        security_create(issuer=issuer, kind="bond", name="Bad", symbol="BAD", currency="EUR", terms=BOND, rules={},
                        actor=issuer_admin)
    assert err.value.code == "invalid_currency"


def test_duplicate_symbol_is_refused(bond, issuer_admin):
    with pytest.raises(ConflictError):
        security_create(issuer=bond.issuer, kind="bond", name="Again", symbol=bond.symbol, currency="JPY", terms=BOND,
                        rules={}, actor=issuer_admin)


def test_another_issuers_member_cannot_define_securities_here(other_offering, issuer_admin):
    with pytest.raises(NotFoundError):
        security_create(issuer=other_offering.security.issuer, kind="bond", name="X", symbol="X", currency="JPY",
                        terms=BOND, rules={}, actor=issuer_admin)
