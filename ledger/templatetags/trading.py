"""Display helpers of the board and settlement pages."""

from __future__ import annotations

from decimal import Decimal

from django import template

from core.money import MINOR_UNITS, from_base_units

register = template.Library()


@register.filter
def whole(value, security):
    """Base units -> whole units of `security` (a Security: its decimals), without trailing zeros."""
    amount = from_base_units(int(value or 0), security.decimals)
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    return format(amount.normalize(), "f")


@register.filter
def in_currency(value, currency):
    """A price as the currency counts it (JPY 1500, not the column's 1500.00; USD 12.50)."""
    digits = MINOR_UNITS.get(str(currency), 2)
    return Decimal(value or 0).quantize(Decimal(1).scaleb(-digits))
