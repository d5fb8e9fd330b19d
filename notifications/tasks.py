from celery import shared_task

from .services import send_pending_sweep


@shared_task(name="notifications.send_pending")
def send_pending_task() -> int:
    """E-mail notifications not sent yet (large fan-outs, failed sends); beat runs it."""
    return send_pending_sweep()
