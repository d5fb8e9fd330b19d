"""Display helpers of the investor's income pages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def plain(value) -> str:
    """A Decimal as people write it, without trailing zeros or an exponent ("20.315", "997", "0.5")."""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    if not number.is_finite():
        return ""
    return format(number.normalize(), "f") if number else "0"
