from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Organization, User


class SignUpForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=User._meta.get_field("full_name").max_length)
    email = forms.EmailField(label=_("E-mail address"), max_length=User._meta.get_field("email").max_length)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password_again = forms.CharField(label=_("Password again"),
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords do not match."))
        return data


class CompanySignUpForm(SignUpForm):
    """Sign-up of a company's representative: the person's fields plus the company name."""

    company_name = forms.CharField(label=_("Company name"), max_length=Organization._meta.get_field("name").max_length)
    field_order = ["company_name", "full_name", "email", "password", "password_again"]


class OrganizationForm(forms.Form):
    """A signed-in issuer without an organization names their company."""

    name = forms.CharField(label=_("Company name"), max_length=Organization._meta.get_field("name").max_length)


class SignInForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    password = forms.CharField(label=_("Password"),
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code"), max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
