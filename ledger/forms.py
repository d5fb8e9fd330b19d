"""Input of the register's pages: the controls, the investor's transfer and the compliance
desk's requests. Numbers are read by core.forms (full-width digits folded, nothing else);
whether a wallet, an amount or a reason is acceptable is the service's check."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import WholeNumberField
from core.money import UINT256_MAX


class RegisterInput(forms.Form):
    """Every field a register page may post; each is optional here (the service says what a
    use case requires)."""

    wallet = forms.CharField(label=_("Wallet"), required=False, max_length=64)
    from_wallet = forms.CharField(label=_("From wallet"), required=False, max_length=64)
    to_wallet = forms.CharField(label=_("To wallet"), required=False, max_length=64)
    amount = WholeNumberField(label=_("Amount"), required=False, min_value=1, max_value=UINT256_MAX)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)
    kind = forms.CharField(required=False, max_length=16)
    security = WholeNumberField(label=_("Security"), required=False, min_value=1)

    def values(self) -> dict:
        """cleaned_data with "" for what was left out (the services' "missing" answers)."""
        return {name: "" if value is None else value for name, value in self.cleaned_data.items()}
