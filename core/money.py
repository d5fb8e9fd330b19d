"""Money (Decimal + ISO currency) and token amounts (integers in base units).

No floats anywhere in money paths: constructing either type from a float is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .errors import ApplicationError

#: Minor units per ISO 4217 for the currencies the platform settles in.
MINOR_UNITS = {"JPY": 0, "USD": 2}
UINT256_MAX = 2**256 - 1
#: What a number given as text may look like: ASCII digits only. Decimal() itself also takes
#: "1_000", other scripts' digits ("١٢") and "NaN"; text from people must not slip through so.
_NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _decimal(value: object, *, what: str) -> Decimal:
    if isinstance(value, float):
        raise TypeError(f"{what}: floats are refused in money paths; pass a str or Decimal")
    if isinstance(value, str) and not _NUMBER_TEXT.fullmatch(value.strip()):
        raise ApplicationError(_not_a_number(), code="invalid_amount")
    try:
        result = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation as exc:
        raise ApplicationError(_not_a_number(), code="invalid_amount") from exc
    if not result.is_finite():
        raise ApplicationError(_not_a_number(), code="invalid_amount")
    return result


# The messages below are read by people (a service puts them on the form's field): they say
# what to type, not what the code found.
def _not_a_number() -> str:
    return _("Enter a number in digits, such as 1500 or 12.5.")


def _too_large() -> str:
    return _("This amount is too large.")


def _too_many_decimals(places: int) -> str:
    if places == 0:
        return _("This security has no decimal places: enter a whole number.")
    return ngettext("Enter at most %(places)d decimal place.", "Enter at most %(places)d decimal places.",
                    places) % {"places": places}


def _quantize(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half-even to the currency's minor unit; an amount with more digits
    than decimal arithmetic carries (28, e.g. "1e40") is refused, not a crash."""
    exponent = Decimal(1).scaleb(-MINOR_UNITS.get(currency, 0))
    try:
        return amount.quantize(exponent, rounding=ROUND_HALF_EVEN)
    except InvalidOperation as exc:
        raise ApplicationError(_too_large(), code="amount_too_large") from exc


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of fiat, quantized to its currency's minor unit (JPY 0, USD 2)."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if self.currency not in MINOR_UNITS:
            raise ApplicationError(_("Choose JPY or USD."), code="invalid_currency")
        amount = _decimal(self.amount, what="amount")
        quantized = _quantize(amount, self.currency)
        if quantized != amount:
            places = MINOR_UNITS[self.currency]
            message = (_("Amounts in %(currency)s have no decimal places: enter a whole number.") if places == 0
                       else ngettext("Amounts in %(currency)s have at most %(places)d decimal place.",
                                     "Amounts in %(currency)s have at most %(places)d decimal places.", places))
            raise ApplicationError(message % {"currency": self.currency, "places": places}, code="invalid_amount")
        object.__setattr__(self, "amount", quantized)

    @classmethod
    def rounded(cls, amount: object, currency: str) -> Money:
        """Build a Money, rounding half-even to the minor unit (for computed values)."""
        return cls(_quantize(_decimal(amount, what="amount"), currency), currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money) or other.currency != self.currency:
            raise ApplicationError(_("These amounts are in different currencies."), code="currency_mismatch")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def is_negative(self) -> bool:
        return self.amount < 0

    def __str__(self) -> str:
        return f"{self.amount:,} {self.currency}"


def _wide(digits: int) -> Context:
    """A context wide enough that scaling a number of `digits` digits never rounds (the
    default 28-digit context silently rounds token amounts such as 10^10 tokens at 18
    decimals)."""
    return Context(prec=max(28, digits))


def to_base_units(value: object, decimals: int) -> int:
    """'1.5' with 18 decimals -> 1500000000000000000. Refuses fractions of a base unit,
    negatives and anything above uint256."""
    amount = _decimal(value, what="token amount")
    if amount < 0:
        raise ApplicationError(_("Enter a number of units of zero or more."), code="invalid_amount")
    if amount and amount.adjusted() + decimals >= len(str(UINT256_MAX)):  # cheap guard before any big-int work
        raise ApplicationError(_too_large(), code="invalid_amount")
    scaled = amount.scaleb(decimals, context=_wide(len(amount.as_tuple().digits)))
    if scaled != scaled.to_integral_value():
        raise ApplicationError(_too_many_decimals(decimals), code="invalid_amount")
    units = int(scaled)
    if units > UINT256_MAX:
        raise ApplicationError(_too_large(), code="invalid_amount")
    return units


def from_base_units(units: int, decimals: int) -> Decimal:
    if not isinstance(units, int) or isinstance(units, bool):
        raise TypeError("token amounts are integers in base units")
    return Decimal(units).scaleb(-decimals, context=_wide(len(str(abs(units)))))


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split an integer `total` pro rata to `weights` by the largest-remainder method, so the
    parts always sum exactly to the total. Ties go to the earlier weight (stable)."""
    if total < 0 or any(w < 0 for w in weights):
        raise ApplicationError("allocate: negative total or weight", code="invalid_amount")
    denominator = sum(weights)
    if denominator == 0:
        raise ApplicationError("allocate: all weights are zero", code="invalid_amount")
    floors = [total * w // denominator for w in weights]
    remainders = [(total * w % denominator, -i) for i, w in enumerate(weights)]
    leftover = total - sum(floors)
    for _remainder, neg_index in sorted(remainders, reverse=True)[:leftover]:
        floors[-neg_index] += 1
    return floors
