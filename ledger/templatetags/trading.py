"""Display helpers of the board and settlement pages."""

from __future__ import annotations

from django import template

from core.money import from_base_units

register = template.Library()


@register.filter
def whole(value, security):
    """Base units -> whole units of `security` (a Security: its decimals), without trailing zeros."""
    amount = from_base_units(int(value or 0), security.decimals)
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    return format(amount.normalize(), "f")
