"""Display helpers: base units as whole units, amounts raised, progress percent."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def units(value, offering):
    """Base units -> whole units of the offering's security, without trailing zeros."""
    amount = offering.units(int(value or 0))
    text = format(amount.normalize(), "f") if amount else "0"
    return f"{int(amount):,}" if amount == amount.to_integral_value() else text


@register.filter
def raised(offering):
    return offering.amount_for(int(getattr(offering, "subscribed", 0) or 0))


@register.filter
def percent(offering):
    target = int(offering.target or 0)
    return (int(getattr(offering, "subscribed", 0) or 0) * 100 // target) if target else 0
