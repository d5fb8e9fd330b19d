"""The paying agent's scheduled job (Celery beat: `servicing.sweep`, and after an operator
moves the business date): everything that became due by the business date, in order.

1. schedules: every bond issued or deployed and not matured that has no corporate action yet
   gets its coupons and redemption (actions.actions_from_schedule);
2. record closes: scheduled (or blocked, to retry) actions whose record date has passed
   (record.record_close; it waits while the chain mirror has not caught up);
3. redemptions: a recorded redemption or call pauses its bond (redemption.redemption_pause);
4. payments: approved, recorded or paying actions whose payment date has come: the chain
   method's payment run (payments.payment_run: batches, or the funds-short notice), and for a
   redemption or call paid off chain, its burns (redemption.burn_run).

Idempotent (every step checks the state it moves from) and safe to run concurrently: one
sweep at a time (a PostgreSQL session advisory lock); another that starts
meanwhile does nothing. A step that fails for one action is logged and the sweep goes on with
the others (the next sweep tries again).
"""

from __future__ import annotations

import logging
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.models import Exists, OuterRef, Q

from core.clock import business_today
from core.db import in_transaction
from issuance.models import Security

from ..models import CorporateAction
from . import payments, redemption
from .actions import actions_from_schedule
from .record import record_close

logger = logging.getLogger(__name__)
S = CorporateAction.Status


def _step(counts: Counter, name: str, fn, **kwargs) -> object:
    try:
        result = fn(**kwargs)
    except Exception:   # one action's trouble must not stop the others; logged with its traceback
        logger.exception("servicing sweep: %s failed for %s", name, kwargs)
        counts[f"{name}_failed"] += 1
        return None
    counts[name] += 1
    return result


def _schedules(counts: Counter) -> None:
    has_actions = CorporateAction.objects.filter(security=OuterRef("pk"))
    bonds = (Security.objects.filter(kind=Security.Kind.BOND, matured_on__isnull=True)
             .filter(Q(deploy_requested_at__isnull=False) | Q(control_book__issued__gt=0))
             .filter(~Exists(has_actions)).order_by("id"))
    for security in bonds:
        made = _step(counts, "schedules", actions_from_schedule, security=security)
        counts["actions_created"] += made or 0


def _record_closes(counts: Counter, today) -> None:
    due = CorporateAction.objects.filter(status__in=[S.SCHEDULED, S.BLOCKED], record_date__lt=today).order_by(
        "record_date", "id")
    for action in due:
        _step(counts, "record_closes", record_close, action=action)


def _redemption_pauses(counts: Counter) -> None:
    recorded = CorporateAction.objects.filter(kind__in=CorporateAction.REDEEMING, status__in=payments.PAYABLE)
    for action in recorded.order_by("id"):
        if _step(counts, "pause_checks", redemption.redemption_pause, action=action) is not None:
            counts["paused"] += 1


def _payments(counts: Counter, today) -> None:
    due = (CorporateAction.objects.filter(status__in=payments.PAYABLE, approved_at__isnull=False,
                                          payment_date__lte=today).order_by("payment_date", "id"))
    for action in due:
        if action.method == CorporateAction.Method.CHAIN:
            batches = _step(counts, "payment_runs", payments.payment_run, action=action)
            counts["batches"] += len(batches or [])
        elif action.redeems:
            batches = _step(counts, "burn_runs", redemption.burn_run, action=action)
            counts["batches"] += len(batches or [])


_LOCK_KEY = zlib.crc32(b"shoken:servicing.sweep")


@contextmanager
def _one_at_a_time() -> Iterator[bool]:
    """A PostgreSQL session advisory lock for the sweep: True when this process holds it
    (released at the end, or by PostgreSQL when the process dies). Like core.db.single_flight,
    but usable inside a test case's transaction (the steps own durable transactions, so the
    sweep never runs inside one of the application's own)."""
    if in_transaction():
        raise RuntimeError("servicing_sweep must not run inside a transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])


def servicing_sweep() -> dict:
    """Run the steps above once; what it did ({"skipped": True} when another sweep runs)."""
    with _one_at_a_time() as mine:
        if not mine:
            return {"skipped": True}
        counts: Counter = Counter()
        _schedules(counts)
        today = business_today()
        _record_closes(counts, today)
        _redemption_pauses(counts)
        _payments(counts, today)
        return dict(counts)
