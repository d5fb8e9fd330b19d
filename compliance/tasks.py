"""Celery tasks of compliance (thin: the logic is in services)."""

from celery import shared_task

from .services import kyc_expire_due


@shared_task(name="compliance.expire_kyc", acks_late=True)
def expire_kyc() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): expired KYC goes back to review."""
    return kyc_expire_due()
