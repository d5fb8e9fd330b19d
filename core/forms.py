"""Numbers typed into the platform's pages, read one way everywhere.

Python and Django accept more than a person means: ``int("²")`` raises, ``"²".isdigit()``
is true, ``int("١٢")`` is 12, ``int("1_000")`` is 1000, ``Decimal("NaN")`` and
``Decimal("1e400")`` are numbers, and Django's IntegerField takes all of them. A page takes
exactly this instead:

* full-width ASCII (U+FF01..U+FF5E, what a Japanese IME types: ``１２３．５``) and the
  ideographic space are folded to ASCII first. That is what NFKC does to that block, and only
  that block: superscripts, circled digits and other scripts' digits are *not* folded;
* then only ASCII digits, with at most one decimal point where a fraction is allowed: no
  sign, exponent, separators (``1_000``, ``1,000``), ``NaN`` or ``inf``;
* at most ``MAX_DIGITS`` characters, and a whole number within its column's range.

Every page form that takes a number uses :class:`WholeNumberField` or
:class:`DecimalNumberField`; a view reading an id from a raw query string or a list of
checkboxes uses :func:`page_int`. The JSON API does not fold anything: it takes exactly what
its schema says (core.api_fields).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .audit import audit_refused_access
from .errors import ApplicationError

#: Full-width ASCII -> ASCII, ideographic space -> space (NFKC for this block only).
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_WHOLE = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")
#: Longer input is refused before any parsing (a uint256 has 78 digits).
MAX_DIGITS = 80
#: PostgreSQL's bigint, the widest integer column (ids, counts).
BIGINT_MAX = 2**63 - 1


def fold_fullwidth(value: object) -> str:
    """`value` as text with full-width ASCII folded to ASCII and outer whitespace removed."""
    return str(value).translate(_FULLWIDTH).strip()


def page_int(value: object, *, max_value: int = BIGINT_MAX) -> int | None:
    """A whole number typed on a page (an id in a query string, a checkbox value), or None
    when it is not one: ``"12"`` and ``"１２"`` are 12; ``"²"``, ``"١٢"``, ``"1_000"``,
    ``"-1"``, ``"1e3"`` and numbers above `max_value` are None."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = fold_fullwidth(value)
    if len(text) > MAX_DIGITS or not _WHOLE.fullmatch(text):
        return None
    number = int(text)
    return number if number <= max_value else None


def page_ints(values: list) -> list[int]:
    """The whole numbers among `values` (e.g. ``request.POST.getlist("subscription")``);
    anything else is dropped."""
    return [n for n in (page_int(v) for v in values) if n is not None]


class _NumberField(forms.CharField):
    default_error_messages = {
        "number": _("Enter a number in digits (0-9), without signs, separators or spaces."),
        "too_long": _("This number is too long."),
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", MAX_DIGITS)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not isinstance(value, str):
            raise ValidationError(self.error_messages["number"], code="number")
        text = fold_fullwidth(value)
        if len(text) > MAX_DIGITS:
            raise ValidationError(self.error_messages["too_long"], code="too_long")
        return self.parse(text) if text else None

    inputmode = "numeric"

    def widget_attrs(self, widget):
        # a text box (type=number refuses full-width digits), with the phone's digit keyboard
        return {**super().widget_attrs(widget), "inputmode": self.inputmode}

    def parse(self, text: str):
        raise NotImplementedError

    def run_validators(self, value) -> None:
        # CharField's max_length validator would measure the parsed number's length
        if value is not None:
            super().run_validators(str(value))


class WholeNumberField(_NumberField):
    """A whole number in ASCII (or full-width) digits, as an int within [min_value, max_value]."""

    default_error_messages = {
        "min_value": _("Enter a number of at least %(limit)s."),
        "max_value": _("Enter a number of at most %(limit)s."),
    }

    def __init__(self, *, min_value: int = 0, max_value: int = BIGINT_MAX, **kwargs) -> None:
        self.min_value, self.max_value = min_value, max_value
        super().__init__(**kwargs)

    def parse(self, text: str) -> int:
        if not _WHOLE.fullmatch(text):
            raise ValidationError(self.error_messages["number"], code="number")
        number = int(text)
        if number < self.min_value:
            raise ValidationError(self.error_messages["min_value"], code="min_value", params={"limit": self.min_value})
        if number > self.max_value:
            raise ValidationError(self.error_messages["max_value"], code="max_value", params={"limit": self.max_value})
        return number


class DecimalNumberField(_NumberField):
    """A non-negative decimal number (``"12"``, ``"1.25"``) in ASCII or full-width digits, as a
    finite Decimal. Range and precision are the service's check (it knows the currency and
    the token's decimals)."""

    inputmode = "decimal"

    def parse(self, text: str) -> Decimal:
        if not _DECIMAL.fullmatch(text):
            raise ValidationError(self.error_messages["number"], code="number")
        try:
            return Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - the pattern admits only plain decimals
            raise ValidationError(self.error_messages["number"], code="number") from exc


class ReasonInput(forms.Form):
    """The free-text reason a POST button may carry: optional here (the service says when it
    is required), at most 2,000 characters, no NUL (CharField refuses it)."""

    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


def form_error_message(form: forms.Form) -> str:
    """A bound form's errors as one line for a flash message ("Amount: Enter a number ...")."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        text = " ".join(str(e) for e in errors)
        parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts)


def apply_error(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's refusal on the page's form: each problem on the field it names when the
    form has that field; when none of its fields is on the form (or it names none), the
    error's message above the form. Every page form handles a refusal this way (and records
    the refused access it may carry, core.audit.audit_refused_access)."""
    audit_refused_access(error)
    placed = False
    for field, problems in (error.fields or {}).items():
        if field in form.fields:
            for problem in problems:
                form.add_error(field, problem)
            placed = True
    if not placed:
        form.add_error(None, error.message)
