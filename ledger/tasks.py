"""Celery tasks of the register (thin: the logic is in ledger.snapshots)."""

from __future__ import annotations

from celery import shared_task

from .services.board import offers_expire
from .snapshots import snapshot_sweep


@shared_task(name="ledger.snapshot_sweep", acks_late=True)
def snapshot_sweep_task() -> int:
    return snapshot_sweep()


@shared_task(name="ledger.offers_expire", acks_late=True)
def offers_expire_task() -> int:
    """Board offers and settlements awaiting authorization past their instant: expired."""
    return offers_expire()
