"""Where the current request or Celery task id lives, so audit events can name it."""

from __future__ import annotations

import contextvars

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)
task_id: contextvars.ContextVar[str] = contextvars.ContextVar("task_id", default="")


def connect_celery_signals() -> None:
    from celery.signals import task_postrun, task_prerun

    def _enter(task_id=None, **_):  # noqa: ANN001
        globals()["task_id"].set(task_id or "")

    def _leave(**_):  # noqa: ANN003
        globals()["task_id"].set("")

    task_prerun.connect(_enter, weak=False)
    task_postrun.connect(_leave, weak=False)
