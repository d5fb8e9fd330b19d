"""The new-security form: the chosen instrument's terms only, grouped for the page.

The page shows every group; static/js/security_form.js hides the other instruments' groups
(and leaves them out of the submission). Without JavaScript every group shows, and this form
reads only the chosen instrument's fields: what was typed in the others is ignored, never
refused. The service (issuance.services.securities) checks the terms again, all at once.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DecimalNumberField, WholeNumberField

from .forms import CURRENCIES, DATE, INVESTOR_TYPES, ISSUABLE_KINDS
from .models import Security
from .models.securities import Regulation
from .schedule import MAX_RECORD_DAYS

EMPTY = ("", "—")

#: Each instrument's own fields, in the groups the page shows (terms, then dates).
INSTRUMENT_GROUPS = {
    "equity": {"terms": ("share_class", "par_value", "authorized_shares")},
    "bond": {"terms": ("face_value", "coupon_rate", "coupon_frequency", "day_count", "redemption_price",
                       "coupon_rounding"),
             "dates": ("issue_date", "maturity_date", "first_coupon_date", "last_coupon_date", "calendar",
                       "payment_convention", "end_of_month", "accrual_adjusted", "record_days")},
    "fund": {"terms": ("nav_per_unit", "dealing_frequency")},
}
#: What each instrument cannot do without (the service refuses it too; the form says so
#: together with every other problem, and the page marks these fields).
REQUIRED_FOR = {
    "equity": ("share_class", "authorized_shares"),
    "bond": ("face_value", "coupon_rate", "coupon_frequency", "day_count", "issue_date", "maturity_date"),
    "fund": ("nav_per_unit", "dealing_frequency"),
}
GENERAL = ("kind", "name", "symbol", "currency")
RULES = ("regulation", "allowed_countries", "blocked_countries", "investor_types", "accredited_only",
         "qualified_only", "min_holding", "max_holding", "max_holders", "lockup_until")


def _codes(value: str) -> list[str]:
    return [c.strip() for c in (value or "").replace(";", ",").split(",") if c.strip()]


def instrument_fields(kind: str) -> tuple[str, ...]:
    return tuple(name for names in INSTRUMENT_GROUPS.get(kind, {}).values() for name in names)


ALL_INSTRUMENT_FIELDS = {name for kind in INSTRUMENT_GROUPS for name in instrument_fields(kind)}


class SecurityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Instrument"), choices=[EMPTY, *ISSUABLE_KINDS])
    name = forms.CharField(label=_("Name"), max_length=200)
    symbol = forms.CharField(label=_("Symbol"), max_length=11)
    currency = forms.ChoiceField(label=_("Currency"), choices=[EMPTY, *CURRENCIES])
    share_class = forms.CharField(label=_("Share class"), required=False,
                                  max_length=Security._meta.get_field("share_class").max_length)
    par_value = DecimalNumberField(label=_("Par value"), required=False)
    authorized_shares = WholeNumberField(label=_("Authorized shares"), required=False)
    face_value = DecimalNumberField(label=_("Face value per unit"), required=False)
    coupon_rate = DecimalNumberField(label=_("Coupon rate (% a year)"), required=False)
    coupon_frequency = forms.ChoiceField(label=_("Coupon frequency"),
                                         choices=[EMPTY, *Security.CouponFrequency.choices], required=False)
    day_count = forms.ChoiceField(label=_("Day-count convention"), choices=[EMPTY, *Security.DayCount.choices],
                                  required=False)
    issue_date = forms.DateField(label=_("Issue date"), required=False, widget=DATE)
    maturity_date = forms.DateField(label=_("Maturity date"), required=False, widget=DATE)
    redemption_price = DecimalNumberField(label=_("Redemption price (% of face)"), required=False, initial="100")
    first_coupon_date = forms.DateField(label=_("First coupon date (empty: counted back from maturity)"),
                                        required=False, widget=DATE)
    last_coupon_date = forms.DateField(label=_("Last regular coupon date before maturity (for a final stub)"),
                                       required=False, widget=DATE)
    calendar = forms.ChoiceField(label=_("Business-day calendar"),
                                 choices=[("", _("Currency default (JPY: Japan, USD: US bond market)")),
                                          *Security.Calendar.choices], required=False)
    payment_convention = forms.ChoiceField(label=_("Payment date on a holiday"),
                                           choices=[("", _("Currency default (JPY: preceding, USD: following)")),
                                                    *Security.Convention.choices], required=False)
    end_of_month = forms.BooleanField(label=_("End-of-month rule (coupons stay on month ends)"), required=False)
    accrual_adjusted = forms.BooleanField(label=_("Adjust accrual periods to business days"), required=False)
    coupon_rounding = forms.ChoiceField(label=_("Coupon rounding"), choices=Security.Rounding.choices,
                                        required=False, initial=Security.Rounding.HALF_UP)
    record_days = WholeNumberField(label=_("Record date (business days before payment)"), required=False,
                                   min_value=1, max_value=MAX_RECORD_DAYS, initial=1)
    nav_per_unit = DecimalNumberField(label=_("NAV per unit"), required=False)
    dealing_frequency = forms.ChoiceField(label=_("Dealing frequency"), choices=[EMPTY, *Security.Dealing.choices],
                                          required=False)
    regulation = forms.ChoiceField(label=_("Regulation"), choices=[EMPTY, *Regulation.choices])
    allowed_countries = forms.CharField(label=_("Allowed countries (ISO codes, comma-separated; empty = all)"),
                                        required=False, max_length=1000)
    blocked_countries = forms.CharField(label=_("Blocked countries (ISO codes, comma-separated)"), required=False,
                                        max_length=1000)
    investor_types = forms.MultipleChoiceField(label=_("Investor types allowed"), choices=INVESTOR_TYPES,
                                               required=False, widget=forms.CheckboxSelectMultiple)
    accredited_only = forms.BooleanField(label=_("Accredited investors only"), required=False)
    qualified_only = forms.BooleanField(label=_("Qualified investors only"), required=False)
    min_holding = DecimalNumberField(label=_("Minimum holding (units)"), required=False)
    max_holding = DecimalNumberField(label=_("Maximum holding (units)"), required=False)
    max_holders = WholeNumberField(label=_("Maximum number of holders"), required=False, max_value=2**31 - 1)
    lockup_until = forms.DateField(label=_("Lock-up until"), required=False, widget=DATE)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for names in REQUIRED_FOR.values():
            for name in names:  # required when its group shows: the script sets `required` then
                self.fields[name].widget.attrs.update({"data-required": "", "aria-required": "true"})

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        chosen = set(instrument_fields(kind))
        for name in ALL_INSTRUMENT_FIELDS - chosen:  # another instrument's field: ignored, never refused
            self.errors.pop(name, None)
            data.pop(name, None)
        for name in REQUIRED_FOR.get(kind, ()):
            if data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, self.fields[name].error_messages["required"])
        return data

    def groups(self) -> list[dict]:
        """The page's fieldsets, in order: each with its legend, the instrument it belongs to
        ("" for all) and its fields as (bound field, marked required) pairs."""
        def group(key, legend, names, instrument=""):
            required = set(REQUIRED_FOR.get(instrument, ()))
            return {"key": key, "legend": legend, "instrument": instrument,
                    "fields": [(self[n], self.fields[n].required or n in required) for n in names]}

        return [
            group("security", _("Security"), GENERAL),
            group("equity-terms", _("Share terms"), INSTRUMENT_GROUPS["equity"]["terms"], "equity"),
            group("bond-terms", _("Bond terms"), INSTRUMENT_GROUPS["bond"]["terms"], "bond"),
            group("bond-dates", _("Bond dates and coupon schedule"), INSTRUMENT_GROUPS["bond"]["dates"], "bond"),
            group("fund-terms", _("Fund terms"), INSTRUMENT_GROUPS["fund"]["terms"], "fund"),
            group("rules", _("Transfer rules"), RULES),
        ]

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "kind": d["kind"], "name": d["name"], "symbol": d["symbol"], "currency": d["currency"],
            "regulation": d["regulation"],
            "terms": {k: d[k] for k in instrument_fields(d["kind"]) if d.get(k) not in (None, "")},
            "rules": {"allowed_countries": _codes(d["allowed_countries"]),
                      "blocked_countries": _codes(d["blocked_countries"]),
                      "investor_types": d["investor_types"], "accredited_only": d["accredited_only"],
                      "qualified_only": d["qualified_only"], "min_holding": d["min_holding"] or 0,
                      "max_holding": d["max_holding"] or 0, "max_holders": d["max_holders"] or 0,
                      "lockup_until": d["lockup_until"]},
        }
