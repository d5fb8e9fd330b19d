"""Moving several objects of one model on at once (transition_many): every object is checked
against the map first, one guarded UPDATE per current status, one audit event per object."""

import pytest
from django.db import transaction

from core.errors import ConflictError
from core.lifecycle import transition_many
from core.models import AuditEvent, OutboxEntry

Status = OutboxEntry.Status


def _entries(*statuses: str) -> list[OutboxEntry]:
    return [OutboxEntry.objects.create(kind="token.mint", idempotency_key=f"many:{i}", status=status)
            for i, status in enumerate(statuses)]


def _events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="core.outboxentry").order_by("id"))


def test_several_objects_move_on_with_one_event_each_in_order(db, operator, django_assert_num_queries):
    entries = _entries(Status.PENDING, Status.SUBMITTED, Status.PENDING)
    entries = [entries[1], entries[0], entries[2]]

    with transaction.atomic(), django_assert_num_queries(2 + 3):   # an UPDATE per status, then the audit
        moved = transition_many(entries, to=Status.FAILED, actor=operator, reason=["one", "", "three"])

    assert moved == entries and all(e.status == Status.FAILED for e in entries)
    assert set(OutboxEntry.objects.values_list("status", flat=True)) == {Status.FAILED}
    events = _events()
    assert [e.object_id for e in events] == [str(e.pk) for e in entries]
    assert [e.old_values for e in events] == [{"status": "submitted"}, {"status": "pending"}, {"status": "pending"}]
    assert [e.new_values for e in events] == [{"status": "failed", "reason": "one"}, {"status": "failed"},
                                              {"status": "failed", "reason": "three"}]
    assert all(e.action == "outboxentry.failed" and e.actor == operator for e in events)


def test_one_reason_serves_every_object(db, operator):
    entries = _entries(Status.PENDING, Status.PENDING)

    with transaction.atomic():
        transition_many(entries, to=Status.SUBMITTED, actor=operator, reason="relay picked them up")

    assert [e.new_values for e in _events()] == [{"status": "submitted", "reason": "relay picked them up"}] * 2


def test_one_object_the_map_does_not_allow_refuses_them_all(db, operator):
    entries = _entries(Status.PENDING, Status.CONFIRMED, Status.PENDING)

    with pytest.raises(ConflictError) as excinfo, transaction.atomic():
        transition_many(entries, to=Status.SUBMITTED, actor=operator)

    assert excinfo.value.code == "invalid_transition"
    assert list(OutboxEntry.objects.order_by("id").values_list("status", flat=True)) == [
        Status.PENDING, Status.CONFIRMED, Status.PENDING]
    assert [e.status for e in entries] == [Status.PENDING, Status.CONFIRMED, Status.PENDING]
    assert not _events()


def test_an_object_changed_behind_our_back_is_a_stale_object(db, operator):
    entries = _entries(Status.PENDING, Status.PENDING)
    OutboxEntry.objects.filter(pk=entries[1].pk).update(status=Status.FAILED)   # another worker

    with pytest.raises(ConflictError) as excinfo, transaction.atomic():
        transition_many(entries, to=Status.SUBMITTED, actor=operator)

    assert excinfo.value.code == "stale_object"
    assert list(OutboxEntry.objects.order_by("id").values_list("status", flat=True)) == [
        Status.PENDING, Status.FAILED]
    assert not _events()


def test_bad_arguments_are_refused(db, operator):
    entries = _entries(Status.PENDING, Status.PENDING)

    with transaction.atomic():
        assert transition_many([], to=Status.SUBMITTED, actor=operator) == []
        with pytest.raises(ValueError, match="reason"):
            transition_many(entries, to=Status.SUBMITTED, actor=operator, reason=["only one"])
        with pytest.raises(ValueError, match="distinct"):
            transition_many([entries[0], entries[0]], to=Status.SUBMITTED, actor=operator)
    assert not _events()


def test_transition_many_refuses_to_run_outside_a_transaction(transactional_db, operator):
    entries = _entries(Status.PENDING)

    with pytest.raises(RuntimeError):
        transition_many(entries, to=Status.SUBMITTED, actor=operator)

    assert OutboxEntry.objects.get().status == Status.PENDING


def test_also_sets_other_columns_in_the_same_update(db, django_assert_num_queries):
    entries = _entries(Status.PENDING, Status.PENDING)

    with transaction.atomic(), django_assert_num_queries(1 + 3):   # one UPDATE, then the audit
        transition_many(entries, to=Status.SUBMITTED, actor=None, also={"last_error": "", "attempts": 4})

    assert list(OutboxEntry.objects.values_list("status", "attempts", "last_error")) == [
        (Status.SUBMITTED, 4, ""), (Status.SUBMITTED, 4, "")]
    assert all(e.attempts == 4 for e in entries)


def test_also_is_not_written_when_the_move_is_refused(db):
    entries = _entries(Status.PENDING, Status.CONFIRMED)

    with pytest.raises(ConflictError), transaction.atomic():
        transition_many(entries, to=Status.SUBMITTED, actor=None, also={"attempts": 9})

    assert set(OutboxEntry.objects.values_list("attempts", flat=True)) == {0}
