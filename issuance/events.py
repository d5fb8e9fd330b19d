"""Issuance's events for the world outside (core.events, webhooks): one `subscription.changed`
per state a subscription reaches, emitted by the service that moves it, in its transaction.

A subscription never comes back to a state it left (Subscription.TRANSITIONS has no cycle), so
the key "subscription.changed:<id>:<status>" names the happening: a retried or repeated call
emits nothing new. Data is ids, statuses and amounts as strings, never a person's details.
Also the two formatting helpers the higher apps' events share (units_data, money_data)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from core.events import EventType, event_emit
from core.money import MINOR_UNITS, from_base_units

from .models import Security, Subscription


def units_data(base_units, security: Security) -> str:
    """Base units -> whole units of `security` as plain text ("10", "2.5"): no grouping."""
    amount = from_base_units(int(base_units), security.decimals)
    return format(amount.normalize(), "f") if amount else "0"


def money_data(amount, currency: str) -> dict:
    """{"amount": "1500" / "12.50", "currency": "JPY"}: the amount at its currency's minor unit
    (more digits when it carries more, never rounded)."""
    value = Decimal(amount)
    exponent = Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2))
    shown = value.quantize(exponent) if value == value.quantize(exponent) else value.normalize()
    return {"amount": format(shown, "f"), "currency": currency}


def subscription_changed(sub: Subscription, *, previous: str | None) -> None:
    """`sub` (already in its new status) moved from `previous` (None: just created)."""
    subscriptions_changed([(sub, previous)])


def subscriptions_changed(changes: Iterable[tuple[Subscription, str | None]]) -> None:
    """subscription_changed for several (subscription, previous status) pairs."""
    for sub, previous in changes:
        offering = sub.offering
        security = offering.security
        event_emit(type=EventType.SUBSCRIPTION_CHANGED, key=f"subscription.changed:{sub.pk}:{sub.status}",
                   organization_id=security.issuer.organization_id,
                   data={"subscription": sub.pk, "offering": offering.pk, "security": security.pk,
                         "status": str(sub.status), "previous_status": None if previous is None else str(previous),
                         "units": units_data(sub.units, security)})
