"""Celery tasks of the mirror: thin wrappers, the logic lives in relay.py, confirmer.py,
indexer.py and reconciler.py (all idempotent, so a task redelivered after a worker died does
no harm)."""

from __future__ import annotations

from celery import shared_task

from .port import ChainUnavailable

_RETRY = {"acks_late": True, "reject_on_worker_lost": True, "autoretry_for": (ChainUnavailable,),
          "retry_backoff": True, "retry_jitter": True, "max_retries": 8}


def _same_queue(task) -> dict:  # noqa: ANN001
    """Send follow-up work to the queue this task came from (tests use their own queue)."""
    queue = (task.request.delivery_info or {}).get("routing_key")
    return {"queue": queue} if queue else {}


@shared_task(bind=True, name="chain.relay_sweep", **_RETRY)
def relay_sweep_task(self) -> dict:  # noqa: ANN001
    from core.outbox import kick_flag_clear

    from .relay import relay_sweep

    kick_flag_clear(self.app)   # before claiming: rows committed from now on kick again
    result = relay_sweep()
    if result.submitted or result.rebroadcast:
        confirm_sweep_task.apply_async(**_same_queue(self))
    return vars(result)


@shared_task(bind=True, name="chain.confirm_sweep", **_RETRY)
def confirm_sweep_task(self) -> dict:  # noqa: ANN001
    from .confirmer import confirm_sweep

    result = confirm_sweep()
    if result.requeued or (result.confirmed and _has_pending()):
        relay_sweep_task.apply_async(**_same_queue(self))  # next step of an action, or a new nonce
    return vars(result)


def _has_pending() -> bool:
    from core.models import OutboxEntry

    return OutboxEntry.objects.filter(status=OutboxEntry.Status.PENDING).exists()


@shared_task(bind=True, name="chain.index_sweep", **_RETRY)
def index_sweep_task(self) -> dict:  # noqa: ANN001
    from .indexer import index_sweep

    return vars(index_sweep())


@shared_task(bind=True, name="chain.reconcile", acks_late=True, reject_on_worker_lost=True)
def reconcile_task(self) -> dict:  # noqa: ANN001
    from .reconciler import reconcile_run

    run = reconcile_run()
    return {"id": run.pk, "securities_checked": run.securities_checked, "breaks_found": run.breaks_found,
            "breaks_new": run.breaks_new, "error": run.error}
