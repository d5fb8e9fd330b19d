"""Input parsing for the issuance pages (the services do the checking)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership
from compliance.rules import InvestorType
from core import countries
from core.forms import DecimalNumberField, WholeNumberField

from .models import OfferingDocument, Security
from .models.offerings import SettlementMode
from .models.securities import Regulation
from .schedule import MAX_RECORD_DAYS

CURRENCIES = [("JPY", "JPY"), ("USD", "USD")]
#: What an issuer defines: cash tokens are the cash agent's (ledger.services.cash).
ISSUABLE_KINDS = [(value, label) for value, label in Security.Kind.choices if value != Security.Kind.CASH]
DATE = forms.DateInput(attrs={"type": "date"})
INVESTOR_TYPES = [(InvestorType.RETAIL, _("Retail")), (InvestorType.ACCREDITED, _("Accredited")),
                  (InvestorType.QUALIFIED, _("Qualified")), (InvestorType.PROFESSIONAL, _("Professional"))]


def _codes(value: str) -> list[str]:
    return [c.strip() for c in (value or "").replace(";", ",").split(",") if c.strip()]


class IssuerForm(forms.Form):
    legal_name = forms.CharField(label=_("Legal name"), max_length=200)
    registration_number = forms.CharField(label=_("Registration number"), max_length=64)
    jurisdiction = forms.ChoiceField(label=_("Jurisdiction"), choices=lambda: countries.choices())
    address = forms.CharField(label=_("Registered address"), widget=forms.Textarea(attrs={"rows": 2}))
    representatives = forms.CharField(label=_("Representatives (one per line)"),
                                      widget=forms.Textarea(attrs={"rows": 2}))


class IssuerDocumentForm(forms.Form):
    title = forms.CharField(label=_("Document title"), max_length=200)
    file = forms.FileField(label=_("File"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)  # the User.email column
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class SecurityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Instrument"), choices=ISSUABLE_KINDS)
    name = forms.CharField(label=_("Name"), max_length=200)
    symbol = forms.CharField(label=_("Symbol"), max_length=11)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES)
    share_class = forms.CharField(label=_("Share class"), required=False,
                                  max_length=Security._meta.get_field("share_class").max_length)
    par_value = DecimalNumberField(label=_("Par value"), required=False)
    authorized_shares = WholeNumberField(label=_("Authorized shares"), required=False)
    face_value = DecimalNumberField(label=_("Face value per unit"), required=False)
    coupon_rate = DecimalNumberField(label=_("Coupon rate (% a year)"), required=False)
    coupon_frequency = forms.ChoiceField(label=_("Coupon frequency"),
                                         choices=[("", "—"), *Security.CouponFrequency.choices], required=False)
    day_count = forms.ChoiceField(label=_("Day-count convention"), choices=[("", "—"), *Security.DayCount.choices],
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
    dealing_frequency = forms.ChoiceField(label=_("Dealing frequency"), choices=[("", "—"), *Security.Dealing.choices],
                                          required=False)
    regulation = forms.ChoiceField(label=_("Regulation"), choices=Regulation.choices)
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

    TERMS = ("share_class", "par_value", "authorized_shares", "face_value", "coupon_rate", "coupon_frequency",
             "day_count", "issue_date", "maturity_date", "redemption_price", "first_coupon_date", "last_coupon_date",
             "calendar", "payment_convention", "end_of_month", "accrual_adjusted", "coupon_rounding", "record_days",
             "nav_per_unit", "dealing_frequency")

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "kind": d["kind"], "name": d["name"], "symbol": d["symbol"], "currency": d["currency"],
            "regulation": d["regulation"],
            "terms": {k: d[k] for k in self.TERMS if d.get(k) not in (None, "")},
            "rules": {"allowed_countries": _codes(d["allowed_countries"]),
                      "blocked_countries": _codes(d["blocked_countries"]),
                      "investor_types": d["investor_types"], "accredited_only": d["accredited_only"],
                      "qualified_only": d["qualified_only"], "min_holding": d["min_holding"] or 0,
                      "max_holding": d["max_holding"] or 0, "max_holders": d["max_holders"] or 0,
                      "lockup_until": d["lockup_until"]},
        }


class OfferingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES)
    price = DecimalNumberField(label=_("Price per unit"))
    min_subscription = DecimalNumberField(label=_("Minimum subscription (units)"))
    max_subscription = DecimalNumberField(label=_("Maximum subscription per investor (units)"))
    target = DecimalNumberField(label=_("Target (units)"))
    hard_cap = DecimalNumberField(label=_("Hard cap (units)"))
    opens_on = forms.DateField(label=_("Opening date"), widget=DATE)
    closes_on = forms.DateField(label=_("Closing date"), widget=DATE)
    payment_instructions = forms.CharField(label=_("Payment instructions (bank account)"),
                                           widget=forms.Textarea(attrs={"rows": 3}), required=False)
    #: New offerings propose delivery versus payment in the cash token (the field's initial value);
    #: a post without it keeps the offering's mode (manual, the column's default, for a new one).
    settlement_mode = forms.ChoiceField(label=_("Settlement"), choices=SettlementMode.choices,
                                        initial=SettlementMode.DVP, required=False)
    is_public = forms.BooleanField(
        label=_("Advertise on the public home page"), required=False,
        help_text=_("Only for offerings that may be offered to the public. Never tick this for a private placement "
                    "such as a Reg D 506(b) offering or an offer to qualified investors only under the FIEA: "
                    "those must not be advertised."))

    def clean(self):
        data = super().clean()
        if not data.get("settlement_mode"):
            data.pop("settlement_mode", None)
        return data

    @staticmethod
    def initial_for(offering) -> dict:
        """The edit form's starting values: the stored terms as an issuer typed them, limits
        in whole units (base units / 10^decimals) and the price in the currency's minor units
        (100000, not the column's 100000.00, for JPY)."""
        def whole(base_units) -> str:
            return format(offering.units(base_units).normalize(), "f")

        return {"title": offering.title, "currency": offering.currency, "price": str(offering.unit_price.amount),
                **{f: whole(getattr(offering, f))
                   for f in ("min_subscription", "max_subscription", "target", "hard_cap")},
                "opens_on": offering.opens_on, "closes_on": offering.closes_on,
                "payment_instructions": offering.payment_instructions, "settlement_mode": offering.settlement_mode,
                "is_public": offering.is_public}


class OfferingDocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=OfferingDocument.Kind.choices)
    file = forms.FileField(label=_("File"))


class SubscribeForm(forms.Form):
    units = DecimalNumberField(label=_("Units to subscribe"))


class FundedForm(forms.Form):
    reference = forms.CharField(label=_("Bank reference"), max_length=100)


class ButtonInput(forms.Form):
    """The optional text a POST button carries (a reason, the agreement's hash): no NUL, no
    more than its column holds. Whether it is required is the service's check."""

    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)
    sha256 = forms.CharField(required=False, max_length=64)
