"""Coupon schedules from bond terms (issuance.schedule), against published values.

Sources cited per case:
- [ISDA-EMU] ISDA, "EMU and Market Conventions: Recent Developments" (1998, "mktc1198"),
  section 4 (Actual/Actual), the worked examples for ISDA, ISMA (ICMA) and AFB.
- [ISDA-30/360] ISDA, "30/360 Day Count Conventions" (2008): the examples spreadsheet for the
  2006 ISDA Definitions, section 4.16(f) "30/360, 360/360, Bond Basis" and 4.16(g) "30E/360,
  Eurobond Basis".
- [CAO] Cabinet Office of Japan, "National Holidays" (国民の祝日について) 2026 list:
  4 May Greenery Day, 5 May Children's Day, 6 May substitute holiday (3 May is a Sunday);
  [BANKS] Banking Act Enforcement Order art. 5: Japanese banks close 31 Dec - 3 Jan.
- [SIFMA] SIFMA US bond-market holiday recommendations 2026: Columbus Day 12 Oct and
  Veterans Day 11 Nov are bond-market holidays (the stock exchange is open).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest
import QuantLib as ql

from issuance.schedule import (
    MONTHS,
    BondTerms,
    ScheduleError,
    accrual_fraction,
    bond_redemption,
    bond_schedule,
)


def terms(**overrides) -> BondTerms:
    base = {"face": Decimal(1_000_000), "rate": Decimal(1), "frequency": "semiannual", "day_count": "ACT/365F",
            "issue_date": date(2026, 1, 15), "maturity_date": date(2028, 1, 15), "currency": "JPY",
            "calendar": "none", "payment_convention": "following"}
    return BondTerms(**{**base, **overrides})


def qd(d: date) -> ql.Date:
    return ql.Date(d.day, d.month, d.year)


def row(period) -> tuple:
    return period.accrual_start, period.accrual_end, period.fraction


# --- ACT/ACT ICMA: [ISDA-EMU] section 4 examples ------------------------------------------

def test_icma_regular_semiannual_period_is_half_a_year():
    # [ISDA-EMU] example 1: 1 Nov 2003 - 1 May 2004, ISMA = 182 / (182 x 2) = 0.5
    periods = bond_schedule(terms(day_count="ACT/ACT ICMA", issue_date=date(2003, 11, 1),
                                  maturity_date=date(2005, 5, 1)))
    assert row(periods[0]) == (date(2003, 11, 1), date(2004, 5, 1), Fraction(1, 2))
    assert not periods[0].is_stub


def test_icma_short_first_period_is_150_over_365():
    # [ISDA-EMU] example 2 "short first calculation period": annual coupons on 1 July, bond
    # issued 1 Feb 1999; first period 1 Feb 1999 - 1 Jul 1999: ISMA 150 / (365 x 1) = 0.41096;
    # second period 1 Jul 1999 - 1 Jul 2000: 1.00000.
    periods = bond_schedule(terms(day_count="ACT/ACT ICMA", frequency="annual", issue_date=date(1999, 2, 1),
                                  maturity_date=date(2002, 7, 1)))
    assert row(periods[0]) == (date(1999, 2, 1), date(1999, 7, 1), Fraction(150, 365))
    assert round(float(periods[0].fraction), 5) == 0.41096
    assert periods[0].is_stub
    assert row(periods[1]) == (date(1999, 7, 1), date(2000, 7, 1), Fraction(1))


def test_icma_long_first_period():
    # [ISDA-EMU] example 3 "long first calculation period": semi-annual coupons 15 Jan / 15 Jul,
    # issued 15 Aug 2002, first coupon 15 Jul 2003. ISMA: the notional periods 15 Jul 2002 -
    # 15 Jan 2003 (184 days, 153 of them accrued) and 15 Jan - 15 Jul 2003 (181 days, all):
    # 153/(184 x 2) + 181/(181 x 2) = 0.91576; the next period 15 Jul 2003 - 15 Jan 2004: 0.5.
    periods = bond_schedule(terms(day_count="ACT/ACT ICMA", issue_date=date(2002, 8, 15),
                                  first_coupon_date=date(2003, 7, 15), maturity_date=date(2005, 7, 15)))
    assert row(periods[0]) == (date(2002, 8, 15), date(2003, 7, 15), Fraction(153, 368) + Fraction(1, 2))
    assert round(float(periods[0].fraction), 5) == 0.91576
    assert periods[0].is_stub
    assert row(periods[1]) == (date(2003, 7, 15), date(2004, 1, 15), Fraction(1, 2))
    assert [p.is_stub for p in periods] == [True, False, False, False, False]


def test_icma_short_final_period():
    # [ISDA-EMU] example 4 "short final calculation period": semi-annual coupons 30 Jan / 30 Jul,
    # maturity 30 Jun 2000. Penultimate period 30 Jul 1999 - 30 Jan 2000: 0.5; final period
    # 30 Jan - 30 Jun 2000 in the notional period to 30 Jul 2000 (182 days): 152 / (182 x 2) = 0.41758.
    periods = bond_schedule(terms(day_count="ACT/ACT ICMA", issue_date=date(1999, 1, 30),
                                  last_coupon_date=date(2000, 1, 30), maturity_date=date(2000, 6, 30)))
    assert row(periods[-2]) == (date(1999, 7, 30), date(2000, 1, 30), Fraction(1, 2))
    assert row(periods[-1]) == (date(2000, 1, 30), date(2000, 6, 30), Fraction(152, 364))
    assert round(float(periods[-1].fraction), 5) == 0.41758
    assert periods[-1].is_stub and not periods[-2].is_stub


def test_icma_single_short_period_matches_quantlib_reference_period():
    # One period shorter than the tenor: a front stub in the notional year to its end (as the
    # [ISDA-EMU] example 2 first period); QuantLib's reference-period form gives the same.
    periods = bond_schedule(terms(day_count="ACT/ACT ICMA", frequency="annual", issue_date=date(2022, 9, 26),
                                  maturity_date=date(2023, 2, 9)))
    assert [row(p) for p in periods] == [(date(2022, 9, 26), date(2023, 2, 9), Fraction(136, 365))]
    reference = ql.ActualActual(ql.ActualActual.ISMA).yearFraction(
        qd(date(2022, 9, 26)), qd(date(2023, 2, 9)), qd(date(2022, 2, 9)), qd(date(2023, 2, 9)))
    assert abs(float(periods[0].fraction) - reference) < 1e-12


def test_icma_matches_quantlib_on_generated_bonds():
    # Our exact fractions against QuantLib's ActualActual(ISMA, schedule) to 1e-12 on bonds
    # drawn with a fixed seed: stubs front and back, end of month, adjusted accruals.
    rng = random.Random(14)
    compared = 0
    while compared < 400:
        frequency = rng.choice(list(MONTHS))
        issue = date(2020, 1, 1) + timedelta(days=rng.randint(0, 2000))
        maturity = issue + timedelta(days=rng.randint(200, 2500))
        first = issue + timedelta(days=rng.randint(1, 400)) if rng.random() < 0.3 else None
        last = maturity - timedelta(days=rng.randint(1, 400)) if rng.random() < 0.3 else None
        bond = terms(day_count="ACT/ACT ICMA", frequency=frequency, issue_date=issue, maturity_date=maturity,
                     first_coupon_date=first, last_coupon_date=last, end_of_month=rng.random() < 0.3,
                     accrual_adjusted=rng.random() < 0.3, calendar=rng.choice(["japan", "united_states"]))
        try:
            periods = bond_schedule(bond)
        except ScheduleError:
            continue
        if len(periods) < 2:
            continue
        calendar = (ql.Japan() if bond.calendar == "japan" else ql.UnitedStates(ql.UnitedStates.GovernmentBond)) \
            if bond.accrual_adjusted else ql.NullCalendar()
        convention = ql.Following if bond.accrual_adjusted else ql.Unadjusted
        schedule = ql.Schedule(qd(issue), qd(maturity), ql.Period(MONTHS[frequency], ql.Months), calendar,
                               convention, convention, ql.DateGeneration.Backward, bond.end_of_month,
                               qd(first) if first and first != maturity else ql.Date(),
                               qd(last) if last else ql.Date())
        assert [qd(p.accrual_end) for p in periods] == list(schedule.dates())[1:]
        day_counter = ql.ActualActual(ql.ActualActual.ISMA, schedule)
        for p in periods:
            expected = day_counter.yearFraction(qd(p.accrual_start), qd(p.accrual_end))
            assert abs(float(p.fraction) - expected) < 1e-12, (bond, p)
            compared += 1


# --- 30/360 bond basis vs 30E/360: [ISDA-30/360] ----------------------------------------------

@pytest.mark.parametrize(("start", "end", "bond_basis", "eurobond"), [
    (date(2006, 8, 20), date(2007, 2, 20), 180, 180),      # example 1: no end-of-February date
    (date(2007, 2, 28), date(2007, 8, 31), 183, 182),      # example 2: end-February dates
    (date(2006, 8, 31), date(2007, 2, 28), 178, 178),
    (date(2007, 8, 31), date(2008, 2, 29), 179, 179),
    (date(2008, 2, 29), date(2008, 8, 31), 182, 181),
    (date(2006, 1, 31), date(2006, 2, 28), 28, 28),        # example 3: miscellaneous
    (date(2006, 9, 30), date(2006, 10, 31), 30, 30),
    (date(2008, 2, 28), date(2008, 8, 31), 183, 182),
    (date(2008, 2, 28), date(2008, 3, 31), 33, 32),
    (date(2007, 2, 26), date(2008, 2, 29), 363, 363),
])
def test_thirty_360_bond_basis_and_eurobond_basis(start, end, bond_basis, eurobond):
    assert accrual_fraction("30/360", start, end) == Fraction(bond_basis, 360)
    assert accrual_fraction("30E/360", start, end) == Fraction(eurobond, 360)


def test_thirty_360_schedule_month_end_coupons():
    # [ISDA-30/360] example 2 as a bond: coupons on the last day of Feb and Aug (end-of-month
    # rule), so 28 Feb 2007 - 31 Aug 2007 is 183 days in bond basis, 182 in 30E/360.
    common = {"issue_date": date(2006, 8, 31), "maturity_date": date(2008, 8, 31), "end_of_month": True,
              "face": Decimal(100), "rate": Decimal(6), "currency": "USD"}
    bond = bond_schedule(terms(day_count="30/360", **common))
    euro = bond_schedule(terms(day_count="30E/360", **common))
    assert [p.accrual_end for p in bond] == [date(2007, 2, 28), date(2007, 8, 31), date(2008, 2, 29),
                                             date(2008, 8, 31)]
    assert [p.fraction * 360 for p in bond] == [178, 183, 179, 182]
    assert [p.fraction * 360 for p in euro] == [178, 182, 179, 181]
    # 100 x 6% x 183/360 = 3.05; x 182/360 = 3.0333.. -> 3.03
    assert (bond[1].per_unit, euro[1].per_unit) == (Decimal("3.05"), Decimal("3.03"))


def test_act_360_and_act_365f():
    assert accrual_fraction("ACT/360", date(2026, 1, 15), date(2026, 7, 15)) == Fraction(181, 360)
    assert accrual_fraction("ACT/365F", date(2028, 1, 15), date(2028, 7, 15)) == Fraction(182, 365)  # leap year


# --- Calendars and conventions -----------------------------------------------------------------

def test_japan_golden_week_moves_the_payment_date_by_convention():
    # [CAO] 2026: 4, 5 and 6 May are holidays; 2 and 3 May a weekend. A coupon due 5 May is paid
    # on Fri 1 May (preceding, the JPY default) or Thu 7 May (following). Record date: one
    # business day before payment; 29 Apr (Showa Day) is a holiday too.
    due = {"issue_date": date(2025, 11, 5), "maturity_date": date(2027, 5, 5), "calendar": "japan"}
    preceding = bond_schedule(terms(payment_convention="preceding", **due))[0]
    following = bond_schedule(terms(payment_convention="following", **due))[0]
    assert preceding.accrual_end == following.accrual_end == date(2026, 5, 5)     # accrual unadjusted
    assert preceding.fraction == following.fraction
    assert (preceding.payment_date, preceding.record_date, preceding.ex_date) == (
        date(2026, 5, 1), date(2026, 4, 30), date(2026, 5, 1))
    assert (following.payment_date, following.record_date, following.ex_date) == (
        date(2026, 5, 7), date(2026, 5, 1), date(2026, 5, 7))
    two_days = bond_schedule(terms(payment_convention="preceding", record_days=2, **due))[0]
    assert (two_days.record_date, two_days.ex_date) == (date(2026, 4, 28), date(2026, 4, 30))


def test_japan_new_year_bank_holidays():
    # [BANKS] 31 Dec - 3 Jan are bank holidays: a coupon due Fri 1 Jan 2027 is paid on
    # Wed 30 Dec 2026 (preceding) or Mon 4 Jan 2027 (following).
    due = {"issue_date": date(2026, 1, 1), "maturity_date": date(2028, 1, 1), "calendar": "japan"}
    assert bond_schedule(terms(payment_convention="preceding", **due))[1].payment_date == date(2026, 12, 30)
    assert bond_schedule(terms(payment_convention="following", **due))[1].payment_date == date(2027, 1, 4)


def test_modified_following_stays_in_the_month():
    # Sun 31 May 2026: following gives Mon 1 June; modified following stays in May, Fri 29 May.
    due = {"issue_date": date(2025, 11, 30), "maturity_date": date(2027, 5, 31), "calendar": "japan",
           "end_of_month": True}
    assert bond_schedule(terms(payment_convention="following", **due))[0].payment_date == date(2026, 6, 1)
    assert bond_schedule(terms(payment_convention="modified_following", **due))[0].payment_date == date(2026, 5, 29)


def test_us_bond_market_calendar():
    # [SIFMA] Columbus Day, Mon 12 Oct 2026, is a bond-market holiday: following pays Tue 13 Oct.
    bond = terms(currency="USD", calendar="united_states", payment_convention="following",
                 issue_date=date(2026, 4, 12), maturity_date=date(2027, 10, 12), face=Decimal(1000))
    assert bond_schedule(bond)[0].payment_date == date(2026, 10, 13)


def test_no_calendar_pays_on_the_due_date_even_on_a_sunday():
    period = bond_schedule(terms(calendar="none", issue_date=date(2025, 11, 5), maturity_date=date(2027, 5, 5),
                                 payment_convention="preceding"))[0]
    assert period.payment_date == date(2026, 5, 5)
    assert period.record_date == date(2026, 5, 4)


def test_adjusted_accruals_follow_the_payment_dates():
    bond = terms(calendar="japan", payment_convention="following", accrual_adjusted=True,
                 issue_date=date(2025, 11, 5), maturity_date=date(2027, 5, 5))
    first, second = bond_schedule(bond)[:2]
    assert first.accrual_end == second.accrual_start == first.payment_date == date(2026, 5, 7)
    assert first.fraction == Fraction((date(2026, 5, 7) - date(2025, 11, 5)).days, 365)


# --- Schedule shapes ----------------------------------------------------------------------------

def test_end_of_month_rule():
    # Maturity 28 Feb 2027 (a month end), semi-annual: with the rule the coupons fall on 31 Aug
    # and the last day of February; without it, on the 28th.
    common = {"issue_date": date(2025, 8, 31), "maturity_date": date(2027, 2, 28)}
    assert [p.accrual_end for p in bond_schedule(terms(end_of_month=True, **common))] == [
        date(2026, 2, 28), date(2026, 8, 31), date(2027, 2, 28)]
    assert [p.accrual_end for p in bond_schedule(terms(end_of_month=False, **common))] == [
        date(2026, 2, 28), date(2026, 8, 28), date(2027, 2, 28)]


def test_default_generation_is_backward_from_maturity_with_a_short_first_stub():
    periods = bond_schedule(terms(issue_date=date(2026, 3, 10), maturity_date=date(2027, 6, 30)))
    assert [(p.accrual_start, p.accrual_end, p.is_stub) for p in periods] == [
        (date(2026, 3, 10), date(2026, 6, 30), True),
        (date(2026, 6, 30), date(2026, 12, 30), False),
        (date(2026, 12, 30), date(2027, 6, 30), False),
    ]
    assert [p.number for p in periods] == [1, 2, 3]


def test_long_first_and_short_last_stub():
    periods = bond_schedule(terms(issue_date=date(2026, 1, 10), first_coupon_date=date(2026, 9, 30),
                                  last_coupon_date=date(2027, 3, 31), maturity_date=date(2027, 5, 15)))
    assert [(p.accrual_start, p.accrual_end, p.is_stub) for p in periods] == [
        (date(2026, 1, 10), date(2026, 9, 30), True),
        (date(2026, 9, 30), date(2027, 3, 31), False),
        (date(2027, 3, 31), date(2027, 5, 15), True),
    ]


# --- Amounts: exact fraction, rounded once ---------------------------------------------------------

def test_one_day_fraction_has_no_finite_decimal_yet_the_amount_is_exact():
    # A one-day front stub in ACT/365F: 1/365 = 0.00273972602739726... (no finite decimal).
    # 365,000 JPY x 1% x 1/365 = 10 JPY exactly; the next period is a full year: 3,650 JPY.
    periods = bond_schedule(terms(frequency="annual", issue_date=date(2026, 3, 30), maturity_date=date(2027, 3, 31),
                                  face=Decimal(365_000)))
    assert periods[0].fraction == Fraction(1, 365)
    assert periods[0].per_unit == Decimal(10)
    assert periods[1].per_unit == Decimal(3650)


def test_rounding_half_up_and_down_of_an_exact_half():
    # 91,250 JPY x 0.7% x 10/365 = 17.5 exactly (in floats 17.499999999999996, which would round
    # to 17): half-up gives 18, down 17.
    common = {"frequency": "annual", "issue_date": date(2026, 3, 21), "maturity_date": date(2027, 3, 31),
              "face": Decimal(91_250), "rate": Decimal("0.7")}
    assert 91250 * 0.7 / 100 * 10 / 365 < 17.5
    half_up = bond_schedule(terms(rounding="half_up", **common))[0]
    down = bond_schedule(terms(rounding="down", **common))[0]
    assert half_up.fraction == Fraction(10, 365)
    assert (half_up.per_unit, down.per_unit) == (Decimal(18), Decimal(17))


def test_usd_rounds_to_cents():
    # 100 USD x 1.25% x 1/2 = 0.625: half-up 0.63, down 0.62
    common = {"currency": "USD", "face": Decimal(100), "rate": Decimal("1.25"), "day_count": "30/360"}
    assert bond_schedule(terms(rounding="half_up", **common))[0].per_unit == Decimal("0.63")
    assert bond_schedule(terms(rounding="down", **common))[0].per_unit == Decimal("0.62")


def test_redemption_principal_and_dates():
    bond = terms(calendar="japan", payment_convention="preceding", maturity_date=date(2028, 1, 3),
                 redemption_price=Decimal("101.5"))
    redemption = bond_redemption(bond)
    assert redemption.principal_per_unit == Decimal(1_015_000)
    assert redemption.payment_date == bond_schedule(bond)[-1].payment_date == date(2027, 12, 30)
    assert redemption.record_date == date(2027, 12, 29)
    # 100 JPY x 99.5% = 99.5: rounded once by the bond's rule
    assert bond_redemption(terms(face=Decimal(100), redemption_price=Decimal("99.5"))).principal_per_unit == 100
    assert bond_redemption(terms(face=Decimal(100), redemption_price=Decimal("99.5"),
                                 rounding="down")).principal_per_unit == 99


def test_zero_coupon_bond_has_no_coupons_only_the_redemption():
    bond = terms(rate=Decimal(0), frequency="", day_count="")
    assert bond_schedule(bond) == []
    assert bond_redemption(bond).principal_per_unit == Decimal(1_000_000)


# --- Terms from a security, defaults per currency ----------------------------------------------------

def security(**overrides) -> SimpleNamespace:
    base = {"kind": "bond", "currency": "JPY", "face_value": Decimal("1000000.00"), "coupon_rate": Decimal("1.5000"),
            "coupon_frequency": "semiannual", "day_count": "ACT/365F", "issue_date": date(2026, 1, 15),
            "maturity_date": date(2028, 1, 15), "redemption_price": None, "first_coupon_date": None,
            "last_coupon_date": None, "calendar": "", "payment_convention": "", "end_of_month": False,
            "accrual_adjusted": False, "coupon_rounding": "half_up", "record_days": 1}
    return SimpleNamespace(**{**base, **overrides})


def test_defaults_per_currency():
    jpy = BondTerms.of(security())
    usd = BondTerms.of(security(currency="USD"))
    assert (jpy.calendar, jpy.payment_convention) == ("japan", "preceding")
    assert (usd.calendar, usd.payment_convention) == ("united_states", "following")
    assert jpy.redemption_price == 100
    chosen = BondTerms.of(security(calendar="none", payment_convention="modified_following"))
    assert (chosen.calendar, chosen.payment_convention) == ("none", "modified_following")
    # 15 Jan - 15 Jul 2026 is 181 days: 1,000,000 x 1.5% x 181/365 = 7438.356.. -> 7438 JPY
    assert bond_schedule(security())[0].per_unit == Decimal(7438)


def test_only_bonds_have_a_schedule():
    with pytest.raises(ScheduleError) as error:
        bond_schedule(security(kind="equity"))
    assert error.value.code == "not_a_bond"


def test_missing_terms_are_named():
    with pytest.raises(ScheduleError) as error:
        BondTerms.of(security(coupon_rate=None, maturity_date=None))
    assert error.value.code == "missing_terms"
    assert set(error.value.fields) == {"coupon_rate", "maturity_date"}


@pytest.mark.parametrize(("overrides", "code", "field"), [
    ({"maturity_date": date(2026, 1, 15)}, "maturity_not_after_issue", "maturity_date"),
    ({"maturity_date": date(2025, 1, 15)}, "maturity_not_after_issue", "maturity_date"),
    ({"first_coupon_date": date(2028, 2, 1)}, "first_coupon_outside", "first_coupon_date"),
    ({"first_coupon_date": date(2026, 1, 15)}, "first_coupon_outside", "first_coupon_date"),
    ({"last_coupon_date": date(2028, 1, 15)}, "last_coupon_outside", "last_coupon_date"),
    ({"first_coupon_date": date(2027, 7, 15), "last_coupon_date": date(2027, 1, 15)}, "last_coupon_before_first",
     "last_coupon_date"),
    ({"first_coupon_date": date(2026, 5, 1)}, "coupon_dates_off_cycle", "first_coupon_date"),
    ({"first_coupon_date": date(2027, 7, 15)}, "stub_too_long", "first_coupon_date"),
    ({"last_coupon_date": date(2026, 7, 15), "maturity_date": date(2028, 1, 20)}, "stub_too_long",
     "last_coupon_date"),
    ({"coupon_rate": Decimal(-1)}, "invalid_coupon_rate", "coupon_rate"),
    ({"face_value": Decimal(0)}, "invalid_face_value", "face_value"),
    ({"coupon_frequency": ""}, "unknown_frequency", "coupon_frequency"),
    ({"coupon_frequency": "weekly"}, "unknown_frequency", "coupon_frequency"),
    ({"day_count": "ACT/ACT ISDA"}, "unknown_day_count", "day_count"),
    ({"calendar": "target"}, "unknown_calendar", "calendar"),
    ({"payment_convention": "nearest"}, "unknown_convention", "payment_convention"),
    ({"coupon_rounding": "half_even"}, "unknown_rounding", "coupon_rounding"),
    ({"record_days": 0}, "invalid_record_days", "record_days"),
    ({"record_days": 31}, "invalid_record_days", "record_days"),
    ({"redemption_price": Decimal(0)}, "invalid_redemption_price", "redemption_price"),
    ({"currency": "EUR"}, "unknown_currency", "currency"),
    ({"maturity_date": date(9999, 1, 1)}, "date_out_of_range", "maturity_date"),
    ({"issue_date": date(1900, 1, 1)}, "date_out_of_range", "issue_date"),
])
def test_bad_terms_are_refused_with_a_code(overrides, code, field):
    with pytest.raises(ScheduleError) as error:
        bond_schedule(security(**overrides))
    assert error.value.code == code
    assert error.value.status == 400
    assert field in error.value.fields


def test_first_coupon_on_maturity_is_one_period():
    periods = bond_schedule(security(first_coupon_date=date(2027, 1, 15), maturity_date=date(2027, 1, 15)))
    assert [(p.accrual_start, p.accrual_end, p.is_stub) for p in periods] == [
        (date(2026, 1, 15), date(2027, 1, 15), True)]
    assert periods[0].fraction == Fraction(365, 365)
    with pytest.raises(ScheduleError) as error:     # four semi-annual periods in one coupon
        bond_schedule(security(first_coupon_date=date(2028, 1, 15)))
    assert error.value.code == "stub_too_long"
