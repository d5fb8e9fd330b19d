"""Where the current request or Celery task id lives, so audit events can name it."""

from __future__ import annotations

import contextvars

from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)
task_id: contextvars.ContextVar[str] = contextvars.ContextVar("task_id", default="")


def connect_celery_signals() -> None:
    """Task id into the context above; and database connections handled around each task as
    Django handles them around each request (close_old_connections: closed when unusable,
    after an error that broke them, or older than CONN_MAX_AGE), since settings keep Celery's
    fixup from closing them after every task (CELERY_DB_REUSE_MAX)."""
    def _connections(task) -> None:
        if not getattr(getattr(task, "request", None), "is_eager", False):   # eager: the caller's connection
            close_old_connections()

    def _enter(task_id=None, task=None, **_):
        globals()["task_id"].set(task_id or "")
        _connections(task)

    def _leave(task=None, **_):
        globals()["task_id"].set("")
        _connections(task)

    task_prerun.connect(_enter, weak=False)
    task_postrun.connect(_leave, weak=False)
