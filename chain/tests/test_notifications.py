"""The mirror's trouble tells the operators (notifications.hooks), without a node: a new
break (not one seen again), an action that failed for good, one dead-lettered."""

from __future__ import annotations

import pytest
from django.utils import timezone

from chain.models import Break
from chain.reconciler import Difference, record_differences
from chain.retries import DEAD_LETTER, entry_fail, entry_retry_later
from core.models import OutboxEntry
from notifications.kinds import Kind
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def _entry(key: str) -> OutboxEntry:
    return OutboxEntry.objects.create(kind="token.pause", payload={"security_id": 1}, idempotency_key=key)


def test_a_new_break_tells_each_operator_once(operator, compliance_officer):
    diff = Difference(Break.Kind.REGISTRY, "0x" + "ab" * 20, "registered", "missing")
    assert record_differences(security=None, differences=[diff], now=timezone.now()) == (1, 1)
    assert record_differences(security=None, differences=[diff], now=timezone.now()) == (1, 0)   # seen again
    row = Notification.objects.get()
    assert (row.recipient, row.kind, row.params["wallet"], row.link) == (operator, Kind.BREAK_FOUND,
                                                                         "0x" + "ab" * 20, "/chain/breaks/")


def test_failed_and_dead_lettered_actions_tell_the_operators(operator, settings):
    failed, lost = _entry("pause:1"), _entry("pause:2")
    entry_fail(failed.pk, code="TokenPaused", message="TokenPaused(): the token is paused")
    settings.CHAIN_MAX_ATTEMPTS = 1
    assert entry_retry_later(lost.pk, message="chain node unavailable") is True
    rows = Notification.objects.filter(recipient=operator, kind=Kind.ACTION_FAILED).order_by("id")
    assert [(r.params["action"], r.params["error"]) for r in rows] == [
        (f"#{failed.pk} token.pause", "TokenPaused"), (f"#{lost.pk} token.pause", DEAD_LETTER)]
