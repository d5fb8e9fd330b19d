"""The mirror's events for the world outside (core.events, webhooks), in the deciding
transaction:

- `break.found`: the reconciler opened a break (reconciler.record_differences; a break seen
  again is not new). Key "break.found:<break id>"; the organization of the security's issuer,
  null for a registry break (no security).
- `action.failed`: an outbox action failed for good (confirmer: reverted on chain; retries:
  refused at sending, or dead-lettered). An operator may retry it and it may fail again: each
  failure is its own happening, numbered by the entry's failures so far in the audit trail
  ("action.failed:<entry id>:<n>"). The organization of the issuer of the security the action
  is about, when its payload names one (a payment batch: its corporate action's security).

Data is ids, kinds and codes, never an address or an error's free text."""

from __future__ import annotations

from core.events import EventType, event_emit
from core.models import AuditEvent, OutboxEntry
from core.outbox_payloads import OutboxKind
from issuance.models import Security
from ledger.models import TokenAction
from servicing.models import PaymentBatch

from .models import Break


def _organization_id(security_id: int | None) -> int | None:
    if security_id is None:
        return None
    return Security.objects.filter(pk=security_id).values_list("issuer__organization_id", flat=True).first()


def _security_of(entry: OutboxEntry) -> int | None:
    """The security the action is about: its payload's security_id, except for a payment batch,
    whose security_id is the cash token: there, the corporate action's security."""
    payload = entry.payload if isinstance(entry.payload, dict) else {}
    raw = payload.get("security_id")
    if entry.kind == OutboxKind.PAYMENT_BATCH and type(payload.get("batch_id")) is int:
        raw = PaymentBatch.objects.filter(pk=payload["batch_id"]).values_list("action__security_id", flat=True).first()
    return raw if type(raw) is int else None


def break_found(brk: Break) -> None:
    event_emit(type=EventType.BREAK_FOUND, key=f"break.found:{brk.pk}", organization_id=_organization_id(
        brk.security_id), data={"break": brk.pk, "kind": brk.kind, "security": brk.security_id})


def action_failed(entry: OutboxEntry, *, code: str) -> None:
    """After the entry's transition to FAILED (its audit event counts this failure)."""
    failures = AuditEvent.objects.filter(action="outboxentry.failed", object_type=entry._meta.label_lower,
                                         object_id=str(entry.pk)).count()
    security_id = _security_of(entry)
    action_id = TokenAction.objects.filter(outbox_id=entry.pk).order_by("id").values_list("pk", flat=True).first()
    event_emit(type=EventType.ACTION_FAILED, key=f"action.failed:{entry.pk}:{max(failures, 1)}",
               organization_id=_organization_id(security_id),
               data={"outbox_entry": entry.pk, "kind": entry.kind, "token_action": action_id,
                     "security": security_id, "error_code": code})
