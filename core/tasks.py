from celery import shared_task


@shared_task(name="core.ping")
def ping() -> str:
    """Round-trip check for the broker and the workers."""
    return "pong"


@shared_task(name="core.idempotency_purge")
def idempotency_purge() -> int:
    """Beat: delete expired Idempotency-Keys (core/idempotency.py)."""
    from .idempotency import purge_expired

    return purge_expired()
