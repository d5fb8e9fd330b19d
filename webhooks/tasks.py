"""Celery tasks of the webhooks app (thin: the logic lives in the app's modules)."""

from __future__ import annotations


def fan_out_kick() -> None:
    """settings.EVENTS_AFTER_COMMIT: ask a worker to fan new events out (filled in by the webhooks work)."""
