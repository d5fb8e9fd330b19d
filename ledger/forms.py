"""Input of the register's pages: the controls, the investor's transfer and the compliance
desk's requests. Numbers are read by core.forms (full-width digits folded, nothing else);
whether a wallet, an amount or a reason is acceptable is the service's check."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.forms import DecimalNumberField, WholeNumberField


class RegisterInput(forms.Form):
    """Every field a register page may post; each is optional here (the service says what a
    use case requires)."""

    wallet = forms.CharField(label=_("Wallet"), required=False, max_length=64)
    from_wallet = forms.CharField(label=_("From wallet"), required=False, max_length=64)
    to_wallet = forms.CharField(label=_("To wallet"), required=False, max_length=64)
    #: In units of the security, as its pages show them (ledger.views turns it into base units).
    amount = DecimalNumberField(label=pgettext_lazy("quantity", "Amount"), required=False)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)
    kind = forms.CharField(required=False, max_length=16)
    security = WholeNumberField(label=_("Security"), required=False, min_value=1)

    def values(self) -> dict:
        """cleaned_data with "" for what was left out (the services' "missing" answers)."""
        return {name: "" if value is None else value for name, value in self.cleaned_data.items()}


class WalletChoiceForm(forms.Form):
    """One of the investor's own active wallets, by address (the choices are theirs only)."""

    wallet = forms.ChoiceField(label=_("Wallet"))

    def __init__(self, *args, wallets=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["wallet"].choices = [(w.address, w.address) for w in wallets]
        self.wallets = {w.address: w for w in wallets}

    def chosen_wallet(self):
        return self.wallets[self.cleaned_data["wallet"]]


class OfferForm(WalletChoiceForm):
    """An offer on a security's board: units (whole units, as the security counts them), the
    price per unit in the security's currency, and the instant it lapses."""

    units = DecimalNumberField(label=_("Units"))
    unit_price = DecimalNumberField(label=_("Price per unit"))
    expires_at = forms.DateTimeField(label=_("Offer expires at"), input_formats=["%Y-%m-%dT%H:%M"],
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                format="%Y-%m-%dT%H:%M"))


class SignatureForm(forms.Form):
    """A pasted (or wallet-produced) EIP-712 signature: 0x and 130 hexadecimal digits. Whether
    it is one, and by whom, is the service's check."""

    signature = forms.CharField(label=_("Signature"), max_length=200,
                                widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}))
