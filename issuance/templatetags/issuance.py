"""Display helpers: base units as whole units, amounts raised, progress percent."""

from __future__ import annotations

from decimal import Decimal

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
    """Money received: the subscriptions whose funds arrived (funded, ready to settle, settled)."""
    return offering.amount_for(int(getattr(offering, "funded", 0) or 0))


@register.filter
def subscribed_amount(offering):
    """What the active subscriptions add up to, received or not (shown beside the money raised)."""
    return offering.amount_for(int(getattr(offering, "subscribed", 0) or 0))


@register.filter
def percent(offering):
    target = int(offering.target or 0)
    return (int(getattr(offering, "subscribed", 0) or 0) * 100 // target) if target else 0


@register.filter
def plain_number(value) -> str:
    """A Decimal without trailing zeros (1.2500 -> "1.25", 100.00 -> "100"); "" for nothing."""
    if value is None or value == "":
        return ""
    number = Decimal(value)
    return format(number.normalize(), "f") if number else "0"
