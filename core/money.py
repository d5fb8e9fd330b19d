"""Money (Decimal + ISO currency) and token amounts (integers in base units).

No floats anywhere in money paths: constructing either type from a float is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation

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
        raise ApplicationError(f"{what}: {value!r} is not a number", code="invalid_amount")
    try:
        result = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation as exc:
        raise ApplicationError(f"{what}: {value!r} is not a number", code="invalid_amount") from exc
    if not result.is_finite():
        raise ApplicationError(f"{what}: {value!r} is not a finite number", code="invalid_amount")
    return result


def _quantize(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half-even to the currency's minor unit; an amount with more digits
    than decimal arithmetic carries (28, e.g. "1e40") is refused, not a crash."""
    exponent = Decimal(1).scaleb(-MINOR_UNITS.get(currency, 0))
    try:
        return amount.quantize(exponent, rounding=ROUND_HALF_EVEN)
    except InvalidOperation as exc:
        raise ApplicationError(f"amount: {amount} is too large", code="amount_too_large") from exc


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of fiat, quantized to its currency's minor unit (JPY 0, USD 2)."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if self.currency not in MINOR_UNITS:
            raise ApplicationError(f"Unsupported currency {self.currency!r}", code="invalid_currency")
        amount = _decimal(self.amount, what="amount")
        quantized = _quantize(amount, self.currency)
        if quantized != amount:
            raise ApplicationError(
                f"{amount} has more decimals than {self.currency} allows ({MINOR_UNITS[self.currency]})",
                code="invalid_amount",
            )
        object.__setattr__(self, "amount", quantized)

    @classmethod
    def rounded(cls, amount: object, currency: str) -> Money:
        """Build a Money, rounding half-even to the minor unit (for computed values)."""
        return cls(_quantize(_decimal(amount, what="amount"), currency), currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money) or other.currency != self.currency:
            raise ApplicationError("Cannot combine amounts in different currencies", code="currency_mismatch")

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
    if amount and amount.adjusted() + decimals >= len(str(UINT256_MAX)):  # cheap guard before any big-int work
        raise ApplicationError(f"{value} is outside the range of a token amount", code="invalid_amount")
    scaled = amount.scaleb(decimals, context=_wide(len(amount.as_tuple().digits)))
    if scaled != scaled.to_integral_value():
        raise ApplicationError(f"{value} has more than {decimals} decimals", code="invalid_amount")
    units = int(scaled)
    if units < 0 or units > UINT256_MAX:
        raise ApplicationError(f"{value} is outside the range of a token amount", code="invalid_amount")
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
    for _, neg_index in sorted(remainders, reverse=True)[:leftover]:
        floors[-neg_index] += 1
    return floors
