"""What happens to an outbox action the relay could not send: wait, retry with backoff and
jitter, fail for good with the decoded reason, or go to the dead letter.

Each function takes the entry by id and runs its own short transaction with the row locked;
it does nothing when the entry is no longer PENDING (another worker moved it on).

``last_error`` reads ``[code] message``: the code is the decoded custom error
(``WalletNotRegistered``), ``BadPayload``, ``waiting``, ``unavailable`` or ``dead_letter``
(see :func:`error_code`). A dead letter is an action the relay gave up on after
``CHAIN_MAX_ATTEMPTS`` temporary failures; an operator retries it (chain.services.outbox_retry).
A settlement (or a payment batch) that fails for good tells the register (the paying agent) in
the same transaction (chain/outcomes.py); a dead-lettered one does not (the chain may still
settle it).
"""

from __future__ import annotations

import random
import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.lifecycle import transition
from core.models import OutboxEntry
from notifications import hooks

from . import events
from .outcomes import entry_decided

DEAD_LETTER = "dead_letter"
_CODE = re.compile(r"^\[([\w.:-]+)\] ")


def error_text(code: str, message: str) -> str:
    return f"[{code}] {message}"


def error_code(last_error: str) -> str:
    """The code of an entry's ``last_error`` ("" when there is none)."""
    match = _CODE.match(last_error or "")
    return match.group(1) if match else ""


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: base * 2^(attempts-1), capped, times 0.5..1.5."""
    base = settings.CHAIN_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return min(base, settings.CHAIN_RETRY_MAX_SECONDS) * (0.5 + random.random())


def _locked_pending(entry_id: int) -> OutboxEntry | None:
    entry = OutboxEntry.objects.select_for_update().get(pk=entry_id)
    return entry if entry.status == OutboxEntry.Status.PENDING else None


def entry_wait(entry_id: int, *, seconds: float, reason: str) -> None:
    """Not an error: the action waits for something (its token's deployment, an earlier
    action). Attempts are not counted."""
    with transaction.atomic(durable=True):
        if _locked_pending(entry_id) is None:
            return
        OutboxEntry.objects.filter(pk=entry_id).update(
            available_at=timezone.now() + timedelta(seconds=seconds), last_error=error_text("waiting", reason),
            updated_at=timezone.now())


def entry_retry_later(entry_id: int, *, message: str) -> bool:
    """A temporary failure: back off, or dead-letter after CHAIN_MAX_ATTEMPTS. Returns True
    when the entry went to the dead letter."""
    with transaction.atomic(durable=True):
        entry = _locked_pending(entry_id)
        if entry is None:
            return False
        attempts = entry.attempts + 1
        if attempts >= settings.CHAIN_MAX_ATTEMPTS:
            OutboxEntry.objects.filter(pk=entry_id).update(
                attempts=attempts, updated_at=timezone.now(),
                last_error=error_text(DEAD_LETTER, f"gave up after {attempts} attempts: {message}"))
            transition(entry, to=OutboxEntry.Status.FAILED, actor=None, reason=DEAD_LETTER)
            audit_record(action="chain.dead_letter", obj=entry, new={"attempts": attempts, "error": message})
            hooks.action_failed(entry, action=f"#{entry.pk} {entry.kind}", error=DEAD_LETTER)
            events.action_failed(entry, code=DEAD_LETTER)
            return True
        OutboxEntry.objects.filter(pk=entry_id).update(
            attempts=attempts, available_at=timezone.now() + timedelta(seconds=backoff_seconds(attempts)),
            last_error=error_text("unavailable", message), updated_at=timezone.now())
        return False


def entry_fail(entry_id: int, *, code: str, message: str) -> None:
    """A permanent failure (the contract refuses the call, or the payload is unusable)."""
    with transaction.atomic(durable=True):
        entry = _locked_pending(entry_id)
        if entry is None:
            return
        entry_decided(entry=entry, confirmed=False, code=code, message=message)   # its rows lock first
        OutboxEntry.objects.filter(pk=entry_id).update(last_error=error_text(code, message),
                                                       updated_at=timezone.now())
        transition(entry, to=OutboxEntry.Status.FAILED, actor=None, reason=code)
        hooks.action_failed(entry, action=f"#{entry.pk} {entry.kind}", error=code)
        events.action_failed(entry, code=code)
