"""The forms of the issuer's and the staff's servicing pages. They check the shape of what
was typed (numbers through core.forms, so full-width digits pass and `1e400` does not); the
services check the rest (dates against the business date, the kind against the instrument,
amounts against the currency) and their refusals land on the form (core.forms.apply_error)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DecimalNumberField, WholeNumberField, fold_fullwidth

from .models import CorporateAction

#: What an issuer may declare (coupons and the redemption come from a bond's schedule).
DECLARABLE = {
    "equity": [CorporateAction.Kind.DIVIDEND],
    "fund": [CorporateAction.Kind.DISTRIBUTION],
    "bond": [CorporateAction.Kind.CALL],
}


class _DateField(forms.DateField):
    """An ISO date (full-width digits folded), never more than 10 characters."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def to_python(self, value):
        if isinstance(value, str):
            value = fold_fullwidth(value).strip()
            if len(value) > 10:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class DeclareForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[(k.value, k.label) for k in (
        CorporateAction.Kind.DIVIDEND, CorporateAction.Kind.DISTRIBUTION, CorporateAction.Kind.CALL)])
    record_date = _DateField(label=_("Record date"), input_formats=["%Y-%m-%d"])
    ex_date = _DateField(label=_("Ex date"), required=False, input_formats=["%Y-%m-%d"],
                         help_text=_("Blank: the day after the record date."))
    payment_date = _DateField(label=_("Payment date"), input_formats=["%Y-%m-%d"])
    per_unit_amount = DecimalNumberField(label=_("Amount per unit"), required=False,
                                         help_text=_("Cash per whole unit, in the currency."))
    total_amount = DecimalNumberField(label=_("Total amount"), required=False,
                                      help_text=_("A dividend declared as a total, split over the holders."))
    call_price = DecimalNumberField(label=_("Call price (% of face)"), required=False)
    call_units = WholeNumberField(label=_("Units called"), required=False,
                                  help_text=_("Blank: the whole issue is called."))
    method = forms.ChoiceField(label=_("Payment method"), choices=CorporateAction.Method.choices,
                               initial=CorporateAction.Method.CHAIN)

    def __init__(self, *args, security=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if security is not None:
            kinds = DECLARABLE.get(security.kind, [])
            self.fields["kind"].choices = [(k.value, k.label) for k in kinds]
            if kinds:
                self.fields["kind"].initial = kinds[0].value

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == CorporateAction.Kind.DIVIDEND and data.get("per_unit_amount") is not None \
                and data.get("total_amount") is not None:
            self.add_error("total_amount", _("Give the amount per share or the total, not both."))
        return data

    def values(self) -> dict:
        """The service's keyword arguments (blank optional fields left out)."""
        data = self.cleaned_data
        values = {"kind": data["kind"], "record_date": data["record_date"], "payment_date": data["payment_date"],
                  "method": data["method"]}
        for name in ("ex_date", "per_unit_amount", "total_amount", "call_price", "call_units"):
            if data.get(name) not in (None, ""):
                values[name] = data[name]
        return values


class MarkPaidForm(forms.Form):
    reference = forms.CharField(label=_("Bank reference"), max_length=100)
    lines = forms.CharField(label=_("Lines"), required=False, max_length=100_000,
                            help_text=_("Line numbers separated by spaces; blank: every line still due."))

    def clean_lines(self) -> list[int] | None:
        text = fold_fullwidth(self.cleaned_data.get("lines") or "").replace(",", " ")
        if not text.strip():
            return None
        ids = []
        for part in text.split():
            if not part.isascii() or not part.isdigit() or len(part) > 18:
                raise forms.ValidationError(_("Enter line numbers in digits, separated by spaces."), code="lines")
            ids.append(int(part))
        return ids


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)
