"""Defining a security: instrument terms, token decimals and rule settings (a regulation's
preset values are merged in and can only be tightened)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.policy import Action, policy_ensure
from compliance.rules import InvestorType
from core import countries
from core.audit import audit_record
from core.errors import ApplicationError, ConflictError, ErrorCollector
from core.money import MINOR_UNITS, Money, to_base_units

from ..models import Issuer, Security
from ..models.securities import DECIMALS, REGULATION_PRESETS, Regulation
from ..schedule import MAX_RECORD_DAYS, bond_schedule
from ._common import invalid, required

#: Security.max_holders is a PositiveIntegerField (PostgreSQL integer).
MAX_HOLDERS_LIMIT = 2**31 - 1


def _number(value, *, field: str, label: str, max_digits: int, places: int) -> Decimal:
    """A finite decimal that fits its column (`max_digits`, `places`), or a field error: "NaN",
    "Infinity", "1e400" and 10**30 are input errors here, never a database error."""
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise invalid(_("%(field)s must be a number in digits, such as 1500 or 12.5.") % {"field": label},
                      field=field, code="invalid_number")
    if amount and amount.adjusted() >= max_digits - places:
        raise invalid(_("%(field)s is too large.") % {"field": label}, field=field, code="out_of_range")
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        raise invalid(ngettext("%(field)s can have at most %(places)d decimal place.",
                               "%(field)s can have at most %(places)d decimal places.", places)
                      % {"field": label, "places": places}, field=field, code="too_many_decimals")
    return amount


def _positive(value, *, field: str, label: str, currency: str | None = None, allow_zero: bool = False,
              max_digits: int = 20, places: int = 2) -> Decimal:
    required(value, field=field, label=label)
    amount = _number(value, field=field, label=label, max_digits=max_digits, places=places)
    if currency:
        try:
            amount = Money(amount, currency).amount
        except ApplicationError as exc:  # more decimals than the currency has: say so on the field
            raise invalid(exc.message, field=field, code=exc.code) from None
    if amount < 0 or (amount == 0 and not allow_zero):
        raise invalid(_("%(field)s must be greater than zero.") % {"field": label}, field=field, code="not_positive")
    return amount


def _fits(value: str, *, field: str, max_length: int) -> None:
    if not isinstance(value, str) or len(value) > max_length:
        raise invalid(_("Enter at most %(max)d characters.") % {"max": max_length}, field=field, code="too_long")


def _country_set(values, *, field: str) -> list[str]:
    try:
        return sorted({countries.normalize(v) for v in values or [] if str(v).strip()})
    except ApplicationError as exc:
        raise invalid(str(getattr(exc, "message", exc)), field=field, code="unknown_country")


def _base_units(value, decimals: int, *, field: str) -> int:
    """Whole units typed by a person as an int in base units, or a field error saying what to type."""
    try:
        return to_base_units(value, decimals)
    except ApplicationError as exc:
        raise invalid(exc.message, field=field, code="invalid_amount") from None


def _choice(value, choices, *, field: str, message: str) -> str:
    if value not in choices.values:
        raise invalid(message, field=field, code="invalid_choice")
    return value


def _share_class(value) -> str:
    share_class = required(value, field="share_class", label=_("Share class"))
    _fits(share_class, field="share_class", max_length=Security._meta.get_field("share_class").max_length)
    return share_class


def _coupon_rate(value) -> Decimal:
    coupon = _number(required(value, field="coupon_rate", label=_("Coupon rate")),
                     field="coupon_rate", label=_("Coupon rate"), max_digits=7, places=4)
    if coupon < 0 or coupon > 100:
        raise invalid(_("The coupon rate must be between 0 and 100 percent."), field="coupon_rate",
                      code="invalid_coupon")
    return coupon


def _terms(kind: str, currency: str, terms: dict, errors: ErrorCollector) -> dict:
    """The chosen instrument's terms; every problem goes to `errors` (the others' terms are ignored)."""
    t, check, before = terms, errors.check, len(errors.errors)
    if kind == Security.Kind.EQUITY:
        authorized = check(_positive, t.get("authorized_shares"), field="authorized_shares",
                           label=_("Authorized shares"))
        values = {
            "share_class": check(_share_class, t.get("share_class")),
            "par_value": check(_positive, t.get("par_value", 0), field="par_value", label=_("Par value"),
                               currency=currency, allow_zero=True),
        }
        if authorized is not None:
            values["authorized_shares"] = check(_base_units, authorized, 0, field="authorized_shares")
        return values
    if kind == Security.Kind.BOND:
        issue_date = check(required, t.get("issue_date"), field="issue_date", label=_("Issue date"))
        maturity = check(required, t.get("maturity_date"), field="maturity_date", label=_("Maturity date"))
        if issue_date is not None and maturity is not None and (
                not isinstance(issue_date, date) or not isinstance(maturity, date) or maturity <= issue_date):
            errors.add(invalid(_("The maturity date must be after the issue date."), field="maturity_date",
                               code="invalid_dates"))
        values = {
            "face_value": check(_positive, t.get("face_value"), field="face_value", label=_("Face value"),
                                currency=currency),
            "coupon_rate": check(_coupon_rate, t.get("coupon_rate")),
            "coupon_frequency": check(_choice, t.get("coupon_frequency"), Security.CouponFrequency,
                                      field="coupon_frequency", message=_("Choose a coupon frequency.")),
            "day_count": check(_choice, t.get("day_count"), Security.DayCount, field="day_count",
                               message=_("Choose a day-count convention.")),
            "issue_date": issue_date, "maturity_date": maturity,
            "redemption_price": check(_positive, t.get("redemption_price") or "100", field="redemption_price",
                                      label=_("Redemption price"), max_digits=7, places=4),
            **_schedule_terms(t, errors),
        }
        # The whole schedule must come out of the terms (stubs on the cycle, dates in order):
        # issuance.schedule says what is wrong, with a code and the field. It needs every term.
        if len(errors.errors) == before:
            check(bond_schedule, SimpleNamespace(kind=kind, currency=currency, **values))
        return values
    if kind == Security.Kind.FUND:
        return {
            "nav_per_unit": check(_positive, t.get("nav_per_unit"), field="nav_per_unit", label=_("NAV per unit"),
                                  currency=currency),
            "dealing_frequency": check(_choice, t.get("dealing_frequency"), Security.Dealing,
                                       field="dealing_frequency", message=_("Choose a dealing frequency.")),
        }
    errors.add(invalid(_("Choose equity, bond or fund units."), field="kind", code="invalid_kind"))
    return {}


def _schedule_terms(t: dict, errors: ErrorCollector) -> dict:
    """The coupon schedule's terms (issuance.schedule): blank calendar and convention mean the
    currency's defaults; the schedule itself checks how the dates fit together."""
    values = {}
    for name, label in (("first_coupon_date", _("First coupon date")),
                        ("last_coupon_date", _("Last regular coupon date"))):
        value = t.get(name) or None
        if value is not None and not isinstance(value, date):
            errors.add(invalid(_("%(field)s must be a date.") % {"field": label}, field=name, code="invalid_date"))
        values[name] = value
    for name, choices in (("calendar", Security.Calendar), ("payment_convention", Security.Convention)):
        value = t.get(name) or ""
        if value and value not in choices.values:
            errors.add(invalid(_("Choose one of the listed values."), field=name, code="invalid_choice"))
        values[name] = value
    rounding = t.get("coupon_rounding") or Security.Rounding.HALF_UP
    if rounding not in Security.Rounding.values:
        errors.add(invalid(_("Choose one of the listed values."), field="coupon_rounding", code="invalid_choice"))
    values["coupon_rounding"] = rounding
    for name in ("end_of_month", "accrual_adjusted"):
        if not isinstance(t.get(name, False), bool):
            errors.add(invalid(_("Choose yes or no."), field=name, code="invalid_choice"))
        values[name] = t.get(name, False)
    record_days = t.get("record_days", 1)
    if record_days is None:
        record_days = 1
    if not isinstance(record_days, int) or isinstance(record_days, bool) or not 1 <= record_days <= MAX_RECORD_DAYS:
        errors.add(invalid(_("The record date must be 1 to %(max)d business days before payment.") % {
            "max": MAX_RECORD_DAYS}, field="record_days", code="invalid_record_days"))
    values["record_days"] = record_days
    return values


def _max_holders(value) -> int:
    max_holders = value or 0
    if isinstance(max_holders, str) and max_holders.strip().isascii() and max_holders.strip().isdigit():
        max_holders = int(max_holders.strip())
    if not isinstance(max_holders, int) or isinstance(max_holders, bool) or max_holders > MAX_HOLDERS_LIMIT:
        raise invalid(_("The maximum number of holders must be a whole number up to %(max)d.")
                      % {"max": MAX_HOLDERS_LIMIT},
                      field="max_holders", code="invalid_amount")
    if max_holders < 0:
        raise invalid(_("The maximum number of holders cannot be negative."), field="max_holders",
                      code="invalid_amount")
    return max_holders


def rule_settings(*, regulation: str, rules: dict, decimals: int, errors: ErrorCollector | None = None) -> dict:
    """Merge the regulation's preset with the issuer's settings (the stricter wins). With
    `errors`, every problem is collected there (the caller raises them together); without,
    they are raised here, all at once."""
    own = errors is None
    errors = ErrorCollector() if own else errors
    if regulation not in Regulation.values:
        errors.add(invalid(_("Choose a regulation."), field="regulation", code="invalid_choice"))
    preset = REGULATION_PRESETS.get(regulation, {})
    allowed = set(errors.check(_country_set, rules.get("allowed_countries"), field="allowed_countries") or [])
    preset_allowed = set(preset.get("allowed_countries", []))
    if preset_allowed and not errors.has("allowed_countries"):
        allowed = (allowed & preset_allowed) if allowed else preset_allowed
        if not allowed:
            errors.add(invalid(_("The allowed countries contradict the regulation's preset."),
                               field="allowed_countries", code="rules_conflict"))
    blocked = (set(errors.check(_country_set, rules.get("blocked_countries"), field="blocked_countries") or [])
               | set(preset.get("blocked_countries", [])))
    types = set(rules.get("investor_types") or InvestorType.ALL)
    if not types <= set(InvestorType.ALL):
        errors.add(invalid(_("Unknown investor type."), field="investor_types", code="invalid_choice"))
    else:
        if preset.get("investor_types"):
            types &= set(preset["investor_types"])
        if not types:
            errors.add(invalid(_("No investor type would be allowed."), field="investor_types",
                               code="rules_conflict"))
    min_holding = errors.check(_base_units, rules.get("min_holding") or 0, decimals, field="min_holding")
    max_holding = errors.check(_base_units, rules.get("max_holding") or 0, decimals, field="max_holding")
    if max_holding and min_holding is not None and min_holding > max_holding:
        errors.add(invalid(_("The minimum holding is above the maximum holding."), field="min_holding",
                           code="min_above_max"))
    max_holders = errors.check(_max_holders, rules.get("max_holders"))
    if own:
        errors.raise_any()
    return {
        "regulation": regulation,
        "allowed_countries": sorted(allowed), "blocked_countries": sorted(blocked),
        "investor_types": sorted(types),
        "accredited_only": bool(rules.get("accredited_only")) or bool(preset.get("accredited_only")),
        "qualified_only": bool(rules.get("qualified_only")) or bool(preset.get("qualified_only")),
        "min_holding": min_holding, "max_holding": max_holding, "max_holders": max_holders,
        "lockup_until": rules.get("lockup_until") or None,
    }


def _symbol(value) -> str:
    symbol = required(value, field="symbol", label=_("Symbol")).upper()
    if not symbol.isalnum() or len(symbol) > 11:
        raise invalid(_("The symbol must be up to 11 letters or digits."), field="symbol", code="invalid_symbol")
    return symbol


def _name(value) -> str:
    name = required(value, field="name", label=_("Name"))
    _fits(name, field="name", max_length=Security._meta.get_field("name").max_length)
    return name


@transaction.atomic(durable=True)
def security_create(
    *, issuer: Issuer, kind: str, name: str, symbol: str, currency: str, terms: dict, rules: dict,
    regulation: str = Regulation.NONE, actor: User,
) -> Security:
    """Every problem with the input is reported at once (a field error each); the first one's
    code is the error's code."""
    policy_ensure(actor, Action.SECURITY_CREATE, organization_id=issuer.organization_id)
    errors = ErrorCollector()
    if kind not in DECIMALS:  # equity, bond, fund: cash tokens are the cash agent's (ledger.services.cash)
        errors.add(invalid(_("Choose equity, bond or fund units."), field="kind", code="invalid_kind"))
    name = errors.check(_name, name)
    symbol = errors.check(_symbol, symbol)
    if currency not in MINOR_UNITS:
        errors.add(invalid(_("Choose JPY or USD."), field="currency", code="invalid_currency"))
    if symbol and Security.objects.filter(issuer=issuer, symbol=symbol).exists():
        message = _("You already have a security with this symbol.")
        errors.add(ConflictError(message, code="symbol_taken", fields={"symbol": [message]}))
    if kind not in DECIMALS:
        errors.raise_any()
    decimals = DECIMALS[kind]
    term_values = _terms(kind, currency, terms, errors) if currency in MINOR_UNITS else {}
    rule_values = rule_settings(regulation=regulation, rules=rules, decimals=decimals, errors=errors)
    errors.raise_any()
    values = {"kind": kind, "name": name, "symbol": symbol, "currency": currency, "decimals": decimals,
              **term_values, **rule_values}
    security = Security.objects.create(issuer=issuer, created_by=actor, **values)
    audit_record(action="security.created", actor=actor, obj=security, new=values)
    return security
