"""A bond's coupon schedule from its terms: the project's only QuantLib user.

Pure: no database, no clock. `BondTerms.of(security)` reads a Security's bond terms and fills
the per-currency defaults; `bond_schedule(terms)` gives the coupon periods and
`bond_redemption(terms)` the principal paid at maturity. Both also take a Security.

QuantLib is the field's reference for the date rules: it generates the schedule (backward from
maturity, explicit first/last coupon dates for stubs, the end-of-month rule), knows the
business-day calendars and conventions, and counts the days of a period. The money never goes
through a float: each accrual fraction is an exact `fractions.Fraction` (QuantLib supplies only
integer day counts; ACT/ACT ICMA is computed here from the notional regular periods and checked
against QuantLib's `ActualActual(ISMA, schedule)` in the tests), and the per-unit coupon
face x rate x fraction is rounded once, to the currency's minor unit, by the bond's rule.

Defaults per market (when the security leaves calendar or convention blank):
- JPY: the Japan calendar (national holidays and the banks' 31 Dec - 3 Jan closure) and
  *preceding*: Japanese corporate bond terms (社債要項) say that when a payment date is a bank
  holiday, payment is brought forward to the preceding bank business day.
- USD: `UnitedStates(GovernmentBond)`, the SIFMA-recommended bond-market holiday calendar (the
  market USD bond coupons are paid in; it closes on Columbus and Veterans Day, which the NYSE
  calendar does not), and *following*: US bond indentures pay on the next business day, with
  no extra interest for the delay.
Accrual periods are unadjusted (the coupon amount does not change when the payment day moves)
unless the terms say `accrual_adjusted`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import QuantLib as ql
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.money import MINOR_UNITS


class ScheduleError(ApplicationError):
    """The bond's terms do not give a schedule (missing or inconsistent terms)."""

    default_code = "invalid_bond_terms"


MONTHS = {"annual": 12, "semiannual": 6, "quarterly": 3, "monthly": 1}
CALENDARS = {"japan": ql.Japan, "united_states": lambda: ql.UnitedStates(ql.UnitedStates.GovernmentBond),
             "none": ql.NullCalendar}
CONVENTIONS = {"preceding": ql.Preceding, "following": ql.Following, "modified_following": ql.ModifiedFollowing}
DEFAULTS = {"JPY": ("japan", "preceding"), "USD": ("united_states", "following")}
DAY_COUNTS = ("ACT/365F", "ACT/360", "30/360", "30E/360", "ACT/ACT ICMA")
ROUNDINGS = ("half_up", "down")
MAX_RECORD_DAYS = 30
#: QuantLib's dates run from 1901 to 2199; notional periods and holidays need room at both ends.
FIRST_YEAR, LAST_YEAR = 1902, 2190

_QL_DAY_COUNTERS = {"ACT/365F": ql.Actual365Fixed(), "ACT/360": ql.Actual360(),
                    "30/360": ql.Thirty360(ql.Thirty360.BondBasis),
                    "30E/360": ql.Thirty360(ql.Thirty360.EurobondBasis)}
_DENOMINATORS = {"ACT/365F": 365, "ACT/360": 360, "30/360": 360, "30E/360": 360}


@dataclass(frozen=True)
class BondTerms:
    """Everything the schedule depends on; calendar and convention already defaulted."""

    face: Decimal
    rate: Decimal                       # % a year
    frequency: str                      # annual | semiannual | quarterly | monthly
    day_count: str                      # one of DAY_COUNTS
    issue_date: date
    maturity_date: date
    currency: str
    first_coupon_date: date | None = None
    last_coupon_date: date | None = None
    calendar: str = "none"              # japan | united_states | none
    payment_convention: str = "following"
    end_of_month: bool = False
    accrual_adjusted: bool = False
    rounding: str = "half_up"           # half_up | down
    record_days: int = 1
    redemption_price: Decimal = Decimal(100)  # % of face

    @classmethod
    def of(cls, security: Any) -> BondTerms:
        """The terms of a bond `Security`, with the market defaults for blank calendar and
        convention. Raises ScheduleError when a term the schedule needs is missing."""
        if getattr(security, "kind", "bond") != "bond":
            raise ScheduleError(_("Only bonds have a coupon schedule."), code="not_a_bond")
        currency = security.currency
        default_calendar, default_convention = DEFAULTS.get(currency, ("none", "following"))
        missing = [name for name in ("face_value", "coupon_rate", "issue_date", "maturity_date")
                   if getattr(security, name, None) is None]
        if missing:
            labels = ", ".join(str(_label(security, name)) for name in missing)
            message = _("The bond's terms are incomplete: %(missing)s.") % {"missing": labels}
            raise ScheduleError(message, code="missing_terms", fields={name: [message] for name in missing})
        price = getattr(security, "redemption_price", None)
        record_days = getattr(security, "record_days", None)
        terms = cls(
            face=Decimal(security.face_value), rate=Decimal(security.coupon_rate),
            frequency=security.coupon_frequency or "", day_count=security.day_count or "",
            issue_date=security.issue_date, maturity_date=security.maturity_date, currency=currency,
            first_coupon_date=getattr(security, "first_coupon_date", None),
            last_coupon_date=getattr(security, "last_coupon_date", None),
            calendar=getattr(security, "calendar", "") or default_calendar,
            payment_convention=getattr(security, "payment_convention", "") or default_convention,
            end_of_month=bool(getattr(security, "end_of_month", False)),
            accrual_adjusted=bool(getattr(security, "accrual_adjusted", False)),
            rounding=getattr(security, "coupon_rounding", "") or "half_up",
            record_days=1 if record_days is None else int(record_days),
            redemption_price=Decimal(100) if price is None else Decimal(price),
        )
        terms.check()
        return terms

    def check(self) -> None:
        """Refuse terms that do not give a schedule, with a code per problem."""
        def bad(message: str, code: str, field: str) -> ScheduleError:
            return ScheduleError(message, code=code, fields={field: [message]})

        if self.currency not in MINOR_UNITS:
            raise bad(_("Unsupported currency %(value)s.") % {"value": self.currency}, "unknown_currency", "currency")
        if self.face <= 0:
            raise bad(_("The face value must be positive."), "invalid_face_value", "face_value")
        if self.rate < 0:
            raise bad(_("The coupon rate cannot be negative."), "invalid_coupon_rate", "coupon_rate")
        if self.rate > 0 and self.frequency not in MONTHS:
            raise bad(_("A coupon bond needs a coupon frequency."), "unknown_frequency", "coupon_frequency")
        if self.rate > 0 and self.day_count not in DAY_COUNTS:
            raise bad(_("A coupon bond needs a day-count convention."), "unknown_day_count", "day_count")
        if self.calendar not in CALENDARS:
            raise bad(_("Unknown calendar %(value)s.") % {"value": self.calendar}, "unknown_calendar", "calendar")
        if self.payment_convention not in CONVENTIONS:
            raise bad(_("Unknown business-day convention %(value)s.") % {"value": self.payment_convention},
                      "unknown_convention", "payment_convention")
        if self.rounding not in ROUNDINGS:
            raise bad(_("Unknown rounding rule %(value)s.") % {"value": self.rounding}, "unknown_rounding",
                      "coupon_rounding")
        if not 1 <= self.record_days <= MAX_RECORD_DAYS:
            raise bad(_("The record date must be 1 to %(max)d business days before payment.") % {
                "max": MAX_RECORD_DAYS}, "invalid_record_days", "record_days")
        if self.redemption_price <= 0:
            raise bad(_("The redemption price must be positive."), "invalid_redemption_price", "redemption_price")
        for field, value in (("issue_date", self.issue_date), ("maturity_date", self.maturity_date),
                             ("first_coupon_date", self.first_coupon_date),
                             ("last_coupon_date", self.last_coupon_date)):
            if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
                raise bad(_("Dates must be in the years %(first)d to %(last)d.") % {
                    "first": FIRST_YEAR, "last": LAST_YEAR}, "date_out_of_range", field)
        if self.maturity_date <= self.issue_date:
            raise bad(_("The maturity date must be after the issue date."), "maturity_not_after_issue", "maturity_date")
        first, last = self.first_coupon_date, self.last_coupon_date
        if first is not None and not self.issue_date < first <= self.maturity_date:
            raise bad(_("The first coupon date must be after the issue date and no later than maturity."),
                      "first_coupon_outside", "first_coupon_date")
        if last is not None and not self.issue_date < last < self.maturity_date:
            raise bad(_("The last regular coupon date must be after the issue date and before maturity."),
                      "last_coupon_outside", "last_coupon_date")
        if first is not None and last is not None and last < first:
            raise bad(_("The last regular coupon date cannot be before the first coupon date."),
                      "last_coupon_before_first", "last_coupon_date")

    @property
    def minor_unit(self) -> int:
        return MINOR_UNITS[self.currency]


@dataclass(frozen=True)
class CouponPeriod:
    """One coupon. Dates: accrual (unadjusted unless the terms adjust accruals), payment
    (adjusted by the calendar and convention), record (`record_days` business days before
    payment) and ex (the business day after the record date: settlement on the platform is
    immediate, so a buyer on the record date is already on the register at its end and is the
    holder of record; only a buyer from the next business day on buys without the coupon)."""

    number: int
    accrual_start: date
    accrual_end: date
    payment_date: date
    record_date: date
    ex_date: date
    fraction: Fraction
    per_unit: Decimal
    is_stub: bool
    currency: str


@dataclass(frozen=True)
class Redemption:
    """The principal paid per unit at maturity, on the last payment date."""

    payment_date: date
    record_date: date
    ex_date: date
    price: Decimal                      # % of face
    principal_per_unit: Decimal
    currency: str


def _label(security: Any, name: str) -> str:
    meta = getattr(security, "_meta", None)
    return meta.get_field(name).verbose_name if meta is not None else name


def _terms(terms_or_security: Any) -> BondTerms:
    if isinstance(terms_or_security, BondTerms):
        terms_or_security.check()
        return terms_or_security
    return BondTerms.of(terms_or_security)


def _ql(d: date) -> ql.Date:
    return ql.Date(d.day, d.month, d.year)


def _py(d: ql.Date) -> date:
    return date(d.year(), d.month(), d.dayOfMonth())


def _calendar(terms: BondTerms) -> ql.Calendar:
    return CALENDARS[terms.calendar]()


def round_amount(value: Fraction, *, minor_unit: int, rounding: str) -> Decimal:
    """`value` (>= 0) rounded once to `minor_unit` decimals: half-up or down."""
    scaled = value * 10**minor_unit
    units = scaled.numerator // scaled.denominator if rounding == "down" else int((scaled + Fraction(1, 2)) // 1)
    return Decimal(units).scaleb(-minor_unit)


def _accrual_dates(terms: BondTerms) -> tuple[list[date], list[bool]]:
    """The accrual dates (issue first, maturity last; unadjusted unless the terms adjust
    accruals) and, per period, whether it is a regular one. Only the first and the last period
    may be stubs."""
    tenor = ql.Period(MONTHS[terms.frequency], ql.Months)
    calendar, convention = _accrual_calendar(terms)
    if terms.first_coupon_date == terms.maturity_date:  # one coupon, at maturity
        ends = [calendar.adjust(_ql(d), convention) for d in (terms.issue_date, terms.maturity_date)]
        dates, regular = [_py(d) for d in ends], [calendar.advance(ends[1], -tenor, convention,
                                                                   terms.end_of_month) == ends[0]]
        _check_stubs(terms, dates, regular, calendar, convention)
        return dates, regular
    first = terms.first_coupon_date
    try:
        schedule = ql.Schedule(
            _ql(terms.issue_date), _ql(terms.maturity_date), tenor, calendar, convention, convention,
            ql.DateGeneration.Backward, terms.end_of_month,
            _ql(first) if first else ql.Date(), _ql(terms.last_coupon_date) if terms.last_coupon_date else ql.Date())
    except RuntimeError as exc:  # QuantLib reports bad input as RuntimeError
        raise ScheduleError(_("These terms do not give a coupon schedule."), code="invalid_schedule") from exc
    dates = [_py(d) for d in schedule.dates()]
    regular = [schedule.isRegular(i) for i in range(1, len(dates))]
    _check_stubs(terms, dates, regular, calendar, convention)
    return dates, regular


def _check_stubs(terms: BondTerms, dates: list[date], regular: list[bool], calendar: ql.Calendar,
                 convention: int) -> None:
    # Backward generation anchors the cycle at maturity, or at the last regular coupon date when
    # there is one: only the first period, and the last one after a last regular coupon date,
    # may be stubs.
    back_stub = terms.last_coupon_date is not None and len(regular) > 1
    if not all(regular[1:-1 if back_stub else None]):
        message = _("The first coupon date must fall on the bond's coupon cycle (counted back from maturity, or "
                    "from the last regular coupon date).")
        raise ScheduleError(message, code="coupon_dates_off_cycle", fields={"first_coupon_date": [message]})
    twice = ql.Period(2 * MONTHS[terms.frequency], ql.Months)
    if not regular[0] and _ql(dates[0]) < calendar.advance(_ql(dates[1]), -twice, convention, terms.end_of_month):
        message = _("The first coupon period may be at most two regular periods long.")
        raise ScheduleError(message, code="stub_too_long", fields={"first_coupon_date": [message]})
    if back_stub and not regular[-1] and (
            _ql(dates[-1]) > calendar.advance(_ql(dates[-2]), twice, convention, terms.end_of_month)):
        message = _("The last coupon period may be at most two regular periods long.")
        raise ScheduleError(message, code="stub_too_long", fields={"last_coupon_date": [message]})


def _icma(start: date, end: date, *, anchor: date, backward: bool, terms: BondTerms) -> Fraction:
    """ACT/ACT ICMA (ICMA Rule 251) for the stub start..end, exactly: the sum, over the notional
    regular periods it overlaps, of days in the overlap / (days in the notional period x coupons
    a year). The notional periods step from `anchor` (the stub's end for a front stub,
    `backward`; its start for a back stub) one coupon tenor at a time, as QuantLib's
    `ActualActual(ISMA, schedule)` builds its quasi-coupon dates (with adjusted accruals, the
    calendar and convention adjust each notional date)."""
    months = MONTHS[terms.frequency]
    tenor = ql.Period(-months if backward else months, ql.Months)
    calendar, convention = _accrual_calendar(terms)
    total = Fraction(0)
    a = anchor
    while True:
        b = _py(calendar.advance(_ql(a), tenor, convention, terms.end_of_month))
        lo, hi = (b, a) if backward else (a, b)
        overlap = (min(hi, end) - max(lo, start)).days
        if overlap > 0:
            total += Fraction(overlap, (hi - lo).days * (12 // months))
        if (backward and lo <= start) or (not backward and hi >= end):
            return total
        a = b


def _accrual_calendar(terms: BondTerms) -> tuple[ql.Calendar, int]:
    """The calendar and convention of the accrual dates: none unless accruals are adjusted."""
    if terms.accrual_adjusted:
        return _calendar(terms), CONVENTIONS[terms.payment_convention]
    return ql.NullCalendar(), ql.Unadjusted


def accrual_fraction(day_count: str, start: date, end: date) -> Fraction:
    """The exact year fraction of start..end for the day counts that need no reference period."""
    days = _QL_DAY_COUNTERS[day_count].dayCount(_ql(start), _ql(end))
    return Fraction(days, _DENOMINATORS[day_count])


def bond_schedule(terms_or_security: Any) -> list[CouponPeriod]:
    """The coupon periods of a bond, in order. A zero-coupon bond (rate 0) has none."""
    terms = _terms(terms_or_security)
    if terms.rate == 0:
        return []
    calendar = _calendar(terms)
    convention = CONVENTIONS[terms.payment_convention]

    dates, regular = _accrual_dates(terms)
    coupon = Fraction(terms.face) * Fraction(terms.rate) / 100
    periods = []
    count = len(regular)
    for i in range(count):
        start, end = dates[i], dates[i + 1]
        if terms.day_count != "ACT/ACT ICMA":
            fraction = accrual_fraction(terms.day_count, start, end)
        elif regular[i]:
            fraction = Fraction(MONTHS[terms.frequency], 12)
        elif i == 0:   # front stub (also a single short period): notional periods back from its end
            fraction = _icma(start, end, anchor=end, backward=True, terms=terms)
        else:          # back stub: notional periods forward from its start
            fraction = _icma(start, end, anchor=start, backward=False, terms=terms)
        payment, record, ex = _payment_dates(dates[i + 1], terms, calendar, convention)
        periods.append(CouponPeriod(
            number=i + 1, accrual_start=start, accrual_end=end, payment_date=payment, record_date=record,
            ex_date=ex, fraction=fraction,
            per_unit=round_amount(coupon * fraction, minor_unit=terms.minor_unit, rounding=terms.rounding),
            is_stub=not regular[i], currency=terms.currency))
    return periods


def _payment_dates(due: date, terms: BondTerms, calendar: ql.Calendar, convention) -> tuple[date, date, date]:
    payment = calendar.adjust(_ql(due), convention)
    record = calendar.advance(payment, -terms.record_days, ql.Days)
    ex = calendar.advance(record, 1, ql.Days)
    return _py(payment), _py(record), _py(ex)


def bond_redemption(terms_or_security: Any) -> Redemption:
    """Principal per unit = face x redemption price %, rounded once by the bond's rule, paid
    on the last payment date (the maturity date adjusted) with the same record and ex dates."""
    terms = _terms(terms_or_security)
    calendar = _calendar(terms)
    payment, record, ex = _payment_dates(terms.maturity_date, terms, calendar,
                                         CONVENTIONS[terms.payment_convention])
    principal = Fraction(terms.face) * Fraction(terms.redemption_price) / 100
    return Redemption(payment_date=payment, record_date=record, ex_date=ex, price=terms.redemption_price,
                      principal_per_unit=round_amount(principal, minor_unit=terms.minor_unit,
                                                      rounding=terms.rounding),
                      currency=terms.currency)
