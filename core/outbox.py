"""Putting actions for the chain into the outbox, inside the register's transaction."""

from __future__ import annotations

from django.db import connection

from .audit import _normalize
from .errors import ConflictError
from .models import OutboxEntry


def outbox_put(*, kind: str, payload: dict, idempotency_key: str) -> OutboxEntry:
    """Write one outbox row. Calling again with the same key and payload returns the first
    row (a retried use case); the same key with another payload is a conflict."""
    if not connection.in_atomic_block:
        raise RuntimeError("outbox_put must run inside the transaction of the change it mirrors")
    payload = _normalize(payload)
    entry, created = OutboxEntry.objects.get_or_create(
        idempotency_key=idempotency_key, defaults={"kind": kind, "payload": payload}
    )
    if not created and (entry.kind != kind or entry.payload != payload):
        raise ConflictError(
            f"Idempotency key {idempotency_key!r} was already used for a different action",
            code="idempotency_conflict",
        )
    return entry
