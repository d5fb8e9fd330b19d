"""Celery tasks of the mirror: names and retry options only. Each calls one function of
chain/scheduling.py, which holds the loops, locks, flags and follow-ups; the work lives in
relay.py, confirmer.py, indexer.py and reconciler.py (all idempotent, so a task redelivered
after a worker died does no harm)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from . import scheduling
from .port import ChainUnavailable

_RETRY = {"acks_late": True, "reject_on_worker_lost": True, "autoretry_for": (ChainUnavailable,),
          "retry_backoff": True, "retry_jitter": True, "max_retries": 8}


@shared_task(bind=True, name=scheduling.RELAY_TASK, **_RETRY)
def relay_sweep_task(self: Any, lane: int | None = None) -> dict:
    """One signer lane's relay (chain/lanes.py); without ``lane`` (beat): every lane."""
    return scheduling.relay_task_run(self, lane)


@shared_task(bind=True, name=scheduling.CONFIRM_TASK, **_RETRY)
def confirm_sweep_task(self: Any) -> dict:
    return scheduling.confirm_task_run(self)


@shared_task(bind=True, name="chain.index_sweep", **_RETRY)
def index_sweep_task(self: Any) -> dict:
    return scheduling.index_run()


@shared_task(bind=True, name="chain.reconcile", acks_late=True, reject_on_worker_lost=True)
def reconcile_task(self: Any, mode: str = "full") -> dict:
    """Beat sends mode "incremental" every CHAIN_RECONCILE_SECONDS and "full" every CHAIN_RECONCILE_FULL_SECONDS."""
    return scheduling.reconcile_task_run(mode=mode)
