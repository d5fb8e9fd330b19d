"""The register's events for the world outside (core.events, webhooks), emitted by
settlement_outcome in the transaction that settles a delivery versus payment:

- `settlement.settled`: a primary settlement (an investor paid a subscription in the cash
  token and got its units);
- `trade.settled`: a secondary one (a trade of the board: `trade` is its offer's id).

A settlement settles once, so "<type>:<settlement id>" names the happening. organization_id is
the security's issuer's organization. Data is ids, units and the price as strings with the
currency; never the parties (receivers read them through the API with their own rights)."""

from __future__ import annotations

from core.events import EventType, event_emit
from core.money import from_base_units
from issuance.events import money_data, units_data

from .models import Settlement


def settlement_settled(settlement: Settlement, *, offer_id: int | None = None) -> None:
    security, cash = settlement.security, settlement.cash
    data = {"settlement": settlement.pk, "security": security.pk, "units": units_data(settlement.units, security),
            "price": money_data(from_base_units(int(settlement.price), cash.decimals), cash.currency)}
    if settlement.is_primary:
        kind, data = EventType.SETTLEMENT_SETTLED, {**data, "subscription": settlement.subscription_id}
    else:
        kind, data = EventType.TRADE_SETTLED, {**data, "trade": offer_id}
    event_emit(type=kind, key=f"{kind.value}:{settlement.pk}", organization_id=security.issuer.organization_id,
               data=data)
