"""Health checks behind /healthz. Apps register extra checks (the chain does) in ready()."""

from __future__ import annotations

from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection

_checks: dict[str, Callable[[], str | None]] = {}


def register(name: str, check: Callable[[], str | None]) -> None:
    """`check` returns None when healthy, raises when down, or returns another status word
    (e.g. "not_configured") that does not count as down."""
    _checks[name] = check


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker() -> None:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


register("database", _database)
register("broker", _broker)


def run_checks() -> dict[str, dict]:
    results = {}
    for name, check in _checks.items():
        try:
            status = check() or "ok"
        except Exception as exc:  # noqa: BLE001 (any failure is a "down" status)
            results[name] = {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            results[name] = {"status": status}
    return results
