"""Writing and verifying the audit trail.

Writers take a transaction-scoped advisory lock so rows are chained in one order; the lock
is released at commit, so keep audited transactions short (they should be anyway).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from . import context
from .db import insert_rows
from .models import AuditEvent

GENESIS = "0" * 64
_LOCK_KEY = 0x5A0D17  # any constant shared by all writers


def _normalize(values: dict | None) -> dict:
    """Round-trip through JSON so what we hash is exactly what JSONB gives back."""
    return json.loads(json.dumps(values or {}, cls=DjangoJSONEncoder))


def normalize_ip(value: str | None) -> str | None:
    """The address as PostgreSQL's inet gives it back (so the hash survives the round
    trip), or None when it is not an IP address (e.g. REMOTE_ADDR "" behind a unix socket)."""
    if not value:
        return None
    try:
        ip = ipaddress.ip_address(value)
        return clean_ipv6_address(value) if ip.version == 6 else str(ip)
    except (ValueError, ValidationError):
        return None


def _digest(prev_hash: str, event: AuditEvent) -> str:
    canonical = json.dumps(
        {
            "prev": prev_hash,
            "at": event.occurred_at.isoformat(),
            "actor": event.actor_id,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "old": event.old_values,
            "new": event.new_values,
            "request_id": event.request_id,
            "task_id": event.task_id,
            "ip": event.ip_address,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def audit_record(
    *,
    action: str,
    actor=None,
    obj: models.Model | None = None,
    old: dict | None = None,
    new: dict | None = None,
    object_type: str = "",
    object_id: str = "",
) -> AuditEvent:
    """Append one event. Must run inside the transaction that makes the change."""
    return audit_record_many([{"action": action, "actor": actor, "obj": obj, "old": old, "new": new,
                               "object_type": object_type, "object_id": object_id}])[0]


def audit_record_many(events: Sequence[dict]) -> list[AuditEvent]:
    """Append several events in one go: each dict has audit_record's keyword arguments
    (action, actor=None, obj=None, old=None, new=None, object_type="", object_id="").
    One advisory lock, one read of the last hash, the hashes chained here in list order, and
    ONE bulk INSERT (its ids follow the list order, so audit_verify walks the same chain).
    Must run inside the transaction that makes the changes. Empty list -> [] and no queries."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    if not events:
        return []
    occurred_at = timezone.now()
    built = [_event(occurred_at=occurred_at, **spec) for spec in events]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        # A statement of its own: its snapshot must start after the lock is granted.
        cursor.execute("SELECT hash FROM core_auditevent ORDER BY id DESC LIMIT 1")
        last = cursor.fetchone()
    prev = last[0] if last else GENESIS
    for event in built:
        event.prev_hash = prev
        event.hash = prev = _digest(prev, event)
    insert_rows(built)   # one statement, in list order: ids follow the chain
    return built


def _event(*, occurred_at: datetime, action: str, actor=None, obj: models.Model | None = None,
           old: dict | None = None, new: dict | None = None, object_type: str = "",
           object_id: str = "") -> AuditEvent:
    """One unsaved, unchained event: its values as PostgreSQL will give them back."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    actor_id = getattr(actor, "pk", None) if actor is not None and actor.is_authenticated else None
    return AuditEvent(
        occurred_at=occurred_at,
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        old_values=_normalize(old),
        new_values=_normalize(new),
        request_id=context.request_id.get(),
        task_id=context.task_id.get(),
        ip_address=normalize_ip(context.client_ip.get()),
    )


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    first_bad_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


def audit_verify(batch_size: int = 2000) -> VerifyResult:
    """Walk the chain in id order and recompute every link."""
    prev = GENESIS
    checked = 0
    with transaction.atomic():
        for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
            if event.prev_hash != prev:
                return VerifyResult(checked, event.id,
                                    "prev_hash does not match the previous row (a row was removed or reordered)")
            if _digest(prev, event) != event.hash:
                return VerifyResult(checked, event.id, "row content does not match its hash (the row was altered)")
            prev = event.hash
            checked += 1
    return VerifyResult(checked)


def audit_refused_access(error: Exception) -> None:
    """Record the `access_denied` event a refusal carries (ApplicationError.refused_access),
    once. Called by the edges that answer refusals (API exception handler, the page error
    middleware, run_with_message, apply_error), outside the refused service's transaction,
    which rolled back with the refusal and took anything it wrote along."""
    refused = getattr(error, "refused_access", None)
    if not refused:
        return
    error.refused_access = None
    with transaction.atomic():
        audit_record(action="access_denied", **refused)
