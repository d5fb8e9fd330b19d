"""The arithmetic of entitlement lines: pure, exact, no database.

Amounts are computed in integers of the currency's minor unit (yen; cents) and turned into
Decimal at the end, so the lines add up to the action's totals exactly:

- coupon, dividend or distribution per unit: gross = per_unit x units / 10^decimals, rounded
  DOWN to the minor unit (bond and share units are whole, so only fund units, to 1e-6, ever
  round: the holder's gross is the exact amount of whole minor units they are owed);
- dividend declared as a total: the total in minor units split over the holders' units by
  largest remainder (parts sum to the total exactly);
- withheld = income x rate rounded DOWN to the minor unit (the tax never takes more than the
  rate: the fraction stays with the holder); net = gross - withheld;
- redemption: principal = principal_per_unit x units, plus the last coupon per unit x units;
  only the coupon part is taxed;
- call: the units redeemed are `call_units` split over the holdings by largest remainder (all
  units when the call is for all); principal and the accrued coupon (if the issuer gives one
  per unit) on the redeemed units.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

AMOUNT_PLACES = 6     # CorporateAction.per_unit_amount / principal_per_unit decimal places
RATE_PLACES = 4       # withholding rate, percent


def largest_remainder(total: int, weights: Mapping[K, int]) -> dict[K, int]:
    """Split `total` (an int >= 0) over `weights` (ints >= 0, not all 0) in proportion: each
    part is the floor of its share, and the units left go one each to the largest remainders,
    ties broken by the larger weight, then by key order. The parts sum to `total` exactly."""
    if total < 0:
        raise ValueError("total must be >= 0")
    if any(w < 0 for w in weights.values()):
        raise ValueError("weights must be >= 0")
    whole = sum(weights.values())
    if whole == 0:
        if total == 0:
            return dict.fromkeys(weights, 0)
        raise ValueError("nothing to split over: every weight is 0")
    parts = {}
    remainders = []
    for index, (key, weight) in enumerate(sorted(weights.items(), key=_key_order)):
        part, remainder = divmod(total * weight, whole)
        parts[key] = part
        remainders.append((-remainder, -weight, index, key))
    left = total - sum(parts.values())
    for _r, _w, _i, key in sorted(remainders)[:left]:
        parts[key] += 1
    return {key: parts[key] for key in weights}


def _key_order(item):
    return item[0]


def scaled(value: Decimal | int | str, places: int) -> int:
    """`value` x 10^places as an exact int (refuses a value with more places)."""
    number = Decimal(str(value)).scaleb(places)
    if number != number.to_integral_value():
        raise ValueError(f"{value} has more than {places} decimal places")
    return int(number)


def to_money(minor: int, minor_unit: int) -> Decimal:
    """An amount in minor units as a Decimal of the currency (JPY 0 places, USD 2)."""
    return Decimal(minor).scaleb(-minor_unit).quantize(Decimal(1).scaleb(-minor_unit)) if minor_unit else Decimal(minor)


@dataclass(frozen=True)
class Terms:
    """What the lines of one action depend on."""

    kind: str                          # coupon | redemption | call | dividend | distribution
    decimals: int                      # the security token's decimals (units per whole unit: 10^decimals)
    minor_unit: int                    # the currency's decimal places
    per_unit: Decimal = Decimal(0)     # income per whole unit (a redemption's/call's: its coupon)
    principal_per_unit: Decimal = Decimal(0)
    total: Decimal | None = None       # a dividend declared as a total
    call_units: int | None = None      # a partial call: base units called in all


@dataclass(frozen=True)
class Holding:
    key: Hashable                      # the wallet
    units: int                         # base units held at record
    rate: Decimal                      # withholding rate, percent


@dataclass(frozen=True)
class LineAmounts:
    key: Hashable
    units: int
    redeem_units: int
    gross: int                         # minor units
    withheld: int
    net: int
    principal: int


@dataclass(frozen=True)
class Totals:
    gross: int
    withheld: int
    net: int
    principal: int
    redeem_units: int


def _per_units(amount_scaled: int, units: int, *, terms: Terms) -> int:
    """amount per whole unit (scaled by 10^AMOUNT_PLACES) x units (base units), in minor units, DOWN."""
    return amount_scaled * units * 10 ** terms.minor_unit // (10 ** AMOUNT_PLACES * 10 ** terms.decimals)


def withheld_of(income: int, rate: Decimal) -> int:
    """Tax on `income` minor units at `rate` percent, rounded DOWN to the minor unit."""
    return income * scaled(rate, RATE_PLACES) // (100 * 10 ** RATE_PLACES)


def lines_for(terms: Terms, holdings: Sequence[Holding]) -> list[LineAmounts]:
    """One line per holding, in the holdings' order (holdings with 0 units get a 0 line)."""
    units = {h.key: h.units for h in holdings}
    if len(units) != len(holdings):
        raise ValueError("one holding per key")
    per_unit = scaled(terms.per_unit, AMOUNT_PLACES)
    principal_per_unit = scaled(terms.principal_per_unit, AMOUNT_PLACES)
    income: dict[Hashable, int]
    redeem = dict.fromkeys(units, 0)
    if terms.kind == "dividend" and terms.total is not None:
        income = largest_remainder(scaled(terms.total, terms.minor_unit), units)
    elif terms.kind in ("redemption", "call"):
        if terms.kind == "call" and terms.call_units is not None:
            if terms.call_units > sum(units.values()):
                raise ValueError("more units called than held")
            redeem = largest_remainder(terms.call_units, units)
        else:
            redeem = dict(units)
        income = {k: _per_units(per_unit, redeem[k], terms=terms) for k in units}
    else:
        income = {k: _per_units(per_unit, n, terms=terms) for k, n in units.items()}
    lines = []
    rates: dict[Decimal, int] = {}      # rate -> rate x 10^RATE_PLACES (a few distinct rates, many lines)
    for h in holdings:
        principal = _per_units(principal_per_unit, redeem[h.key], terms=terms) if redeem[h.key] else 0
        if h.rate not in rates:
            rates[h.rate] = scaled(h.rate, RATE_PLACES)
        withheld = income[h.key] * rates[h.rate] // (100 * 10 ** RATE_PLACES)
        gross = income[h.key] + principal
        lines.append(LineAmounts(key=h.key, units=h.units, redeem_units=redeem[h.key], gross=gross,
                                 withheld=withheld, net=gross - withheld, principal=principal))
    return lines


def totals_of(lines: Sequence[LineAmounts]) -> Totals:
    return Totals(gross=sum(x.gross for x in lines), withheld=sum(x.withheld for x in lines),
                  net=sum(x.net for x in lines), principal=sum(x.principal for x in lines),
                  redeem_units=sum(x.redeem_units for x in lines))
