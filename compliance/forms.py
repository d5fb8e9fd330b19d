from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.forms import DecimalNumberField, WholeNumberField
from investors.models import TaxProfile

from .models import KycReview


class DecisionForm(forms.Form):
    ACTIONS = ("approve", "reject", "request_info", "clear_sanctions")

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS], widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    expires_on = forms.CharField(label=_("KYC valid until (optional)"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", pgettext_lazy("review filter", "Open")), ("all", _("All")),
                                        *KycReview.Status.choices])
    country = forms.CharField(label=_("Country"), max_length=2, required=False)
    risk = forms.ChoiceField(label=_("Risk"), required=False, choices=[("", _("Any")), *KycReview.Risk.choices])
    min_age_days = WholeNumberField(label=_("Waiting at least (days)"), required=False, min_value=0, max_value=3650)


class TaxProfileForm(forms.Form):
    """An investor's withholding exemption, set at the KYC desk (investors.tax.tax_profile_set
    checks the combination: a treaty needs its rate, an exemption or a treaty its basis)."""

    exemption = forms.ChoiceField(label=_("Withholding exemption"), choices=TaxProfile.Exemption.choices)
    treaty_rate = DecimalNumberField(label=_("Treaty rate (%)"), required=False)
    basis = forms.CharField(label=_("Basis (certificate or reference)"), max_length=200, required=False)
