"""Celery tasks of the paying agent (thin: the logic is in servicing/services/sweep.py)."""

from __future__ import annotations

from celery import shared_task

from .services.sweep import servicing_sweep


@shared_task(name="servicing.sweep", acks_late=True)
def servicing_sweep_task() -> dict:
    """Schedules, record closes, redemption pauses and payment runs that are due by the
    business date (beat, every SERVICING_SWEEP_SECONDS; and after the business date moves)."""
    return servicing_sweep()
