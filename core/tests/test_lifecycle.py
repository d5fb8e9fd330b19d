"""Every status change goes through core.lifecycle.transition(): it checks the model's
TRANSITIONS map, updates with a guarded filter and writes the audit event."""

import pytest
from django.db import transaction

from core.errors import ConflictError
from core.lifecycle import transition
from core.models import AuditEvent, OutboxEntry

Status = OutboxEntry.Status


@pytest.fixture
def pending_entry(db):
    return OutboxEntry.objects.create(kind="token.issue", payload={"amount": "100"}, idempotency_key="lifecycle:1")


def _events_for(entry: OutboxEntry):
    return AuditEvent.objects.filter(object_type="core.outboxentry", object_id=str(entry.pk))


def test_an_allowed_transition_changes_the_status_and_records_old_and_new(pending_entry, operator):
    with transaction.atomic():
        transition(pending_entry, to=Status.SUBMITTED, actor=operator, reason="relay picked it up")

    pending_entry.refresh_from_db()
    assert pending_entry.status == Status.SUBMITTED
    event = _events_for(pending_entry).get()
    assert event.action == "outboxentry.submitted"
    assert event.actor == operator
    assert event.old_values == {"status": "pending"}
    assert event.new_values == {"status": "submitted", "reason": "relay picked it up"}


def test_a_chain_of_allowed_transitions_leaves_one_event_each(pending_entry, operator):
    with transaction.atomic():
        transition(pending_entry, to=Status.SUBMITTED, actor=operator)
        transition(pending_entry, to=Status.FAILED, actor=operator)
        transition(pending_entry, to=Status.PENDING, actor=operator)

    assert OutboxEntry.objects.get(pk=pending_entry.pk).status == Status.PENDING
    assert list(_events_for(pending_entry).values_list("action", flat=True)) == [
        "outboxentry.submitted", "outboxentry.failed", "outboxentry.pending",
    ]
    assert "reason" not in _events_for(pending_entry).first().new_values


@pytest.mark.parametrize(
    ("start", "target"),
    [(Status.PENDING, Status.CONFIRMED), (Status.CONFIRMED, Status.PENDING), (Status.FAILED, Status.CONFIRMED),
     (Status.PENDING, Status.PENDING)],
)
def test_a_transition_the_map_does_not_allow_is_refused_and_changes_nothing(db, operator, start, target):
    entry = OutboxEntry.objects.create(kind="token.issue", idempotency_key=f"lifecycle:{start}:{target}", status=start)

    with pytest.raises(ConflictError) as excinfo, transaction.atomic():
        transition(entry, to=target, actor=operator)

    assert excinfo.value.code == "invalid_transition"
    assert excinfo.value.status == 409
    assert OutboxEntry.objects.get(pk=entry.pk).status == start
    assert entry.status == start
    assert not _events_for(entry).exists()


def test_a_stale_object_is_refused_when_the_row_changed_behind_it(pending_entry, operator):
    # someone else (another worker) moved the row on after we loaded it
    OutboxEntry.objects.filter(pk=pending_entry.pk).update(status=Status.FAILED)

    with pytest.raises(ConflictError) as excinfo, transaction.atomic():
        transition(pending_entry, to=Status.SUBMITTED, actor=operator)

    assert excinfo.value.code == "stale_object"
    assert OutboxEntry.objects.get(pk=pending_entry.pk).status == Status.FAILED
    assert not _events_for(pending_entry).exists()


def test_transition_refuses_to_run_outside_a_transaction(transactional_db, operator):
    entry = OutboxEntry.objects.create(kind="token.issue", idempotency_key="lifecycle:autocommit")

    with pytest.raises(RuntimeError):
        transition(entry, to=Status.SUBMITTED, actor=operator)

    assert OutboxEntry.objects.get(pk=entry.pk).status == Status.PENDING
