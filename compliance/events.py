"""Compliance's events for the world outside (core.events, webhooks): `kyc.decided` when an
investor's KYC review is approved or rejected (not a first approval still waiting for the
second officer, not a request for more information), in the deciding transaction.

Platform-wide (organization null): an investor belongs to no issuer's organization. A review is
decided once, so "kyc.decided:<review id>" names the happening. Data is ids and the outcome,
never the reason (it may name the person's documents)."""

from __future__ import annotations

from core.events import EventType, event_emit


def kyc_decided(review, *, investor_id: int, outcome: str) -> None:
    event_emit(type=EventType.KYC_DECIDED, key=f"kyc.decided:{review.pk}", organization_id=None,
               data={"review": review.pk, "investor": investor_id, "outcome": outcome})
