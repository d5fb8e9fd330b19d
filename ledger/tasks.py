"""Celery tasks of the register (thin: the logic is in ledger.snapshots)."""

from __future__ import annotations

from celery import shared_task

from .snapshots import snapshot_sweep


@shared_task(name="ledger.snapshot_sweep", acks_late=True)
def snapshot_sweep_task() -> int:
    return snapshot_sweep()
