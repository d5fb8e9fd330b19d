"""Input parsing for the issuance pages (the services do the checking)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership
from compliance.rules import InvestorType
from core import countries
from core.forms import DecimalNumberField

from .models import OfferingDocument, Security
from .models.offerings import SettlementMode

CURRENCIES = [("JPY", "JPY"), ("USD", "USD")]
#: What an issuer defines: cash tokens are the cash agent's (ledger.services.cash).
ISSUABLE_KINDS = [(value, label) for value, label in Security.Kind.choices if value != Security.Kind.CASH]
DATE = forms.DateInput(attrs={"type": "date"})
INVESTOR_TYPES = [(InvestorType.RETAIL, _("Retail")), (InvestorType.ACCREDITED, _("Accredited")),
                  (InvestorType.QUALIFIED, _("Qualified")), (InvestorType.PROFESSIONAL, _("Professional"))]


class IssuerForm(forms.Form):
    legal_name = forms.CharField(label=_("Legal name"), max_length=200)
    registration_number = forms.CharField(label=_("Registration number"), max_length=64)
    jurisdiction = forms.ChoiceField(label=_("Jurisdiction"), choices=lambda: [("", "—"), *countries.choices()])
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
    role = forms.ChoiceField(label=_("Role"), choices=[("", "—"), *Membership.Role.choices])


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
    kind = forms.ChoiceField(label=_("Document"), choices=[("", "—"), *OfferingDocument.Kind.choices])
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
