from django import forms
from django.utils.translation import gettext_lazy as _

from core import countries
from core.forms import WholeNumberField

from .models import InvestorProfile, KycDocument


def country_choices() -> list[tuple[str, str]]:
    return [("", "—"), *countries.choices()]


class ProfileForm(forms.Form):
    kind = forms.ChoiceField(label=_("Investor kind"), choices=[("", "—"), *InvestorProfile.Kind.choices])
    legal_name = forms.CharField(label=_("Legal name"), max_length=200, required=False)
    birth_date = forms.CharField(label=_("Date of birth or incorporation"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    identity_number = forms.CharField(label=_("Identity or registration number"), max_length=100, required=False)
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    nationality = forms.ChoiceField(label=_("Nationality or country of incorporation"), choices=country_choices,
                                    required=False)
    residence_country = forms.ChoiceField(label=_("Country of residence"), choices=country_choices, required=False)
    tax_residency = forms.ChoiceField(label=_("Tax residency"), choices=country_choices, required=False)
    investor_status = forms.ChoiceField(label=_("Investor status"), required=False,
                                        choices=[("", "—"), *InvestorProfile.InvestorStatus.choices])
    status_basis = forms.CharField(label=_("Basis for the investor status"), max_length=500, required=False)
    beneficial_owners = forms.CharField(label=_("Beneficial owners (entities: name, share, country; one per line)"),
                                        required=False, widget=forms.Textarea(attrs={"rows": 2}))

    @classmethod
    def for_profile(cls, profile: InvestorProfile | None, data=None):
        initial = {}
        if profile is not None:
            initial = {name: getattr(profile, name) for name in cls.base_fields}
            initial["birth_date"] = profile.birth_date.isoformat() if profile.birth_date else ""
        return cls(data, initial=initial)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document kind"), choices=[("", "—"), *KycDocument.Kind.choices])
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))


class WalletAddressForm(forms.Form):
    address = forms.CharField(label=_("Wallet address"), max_length=64,
                              widget=forms.TextInput(attrs={"placeholder": "0x…", "autocomplete": "off"}))


class WalletSignatureForm(forms.Form):
    challenge = WholeNumberField(widget=forms.HiddenInput, min_value=1)
    signature = forms.CharField(label=_("Signature"), max_length=200,
                                widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}))
