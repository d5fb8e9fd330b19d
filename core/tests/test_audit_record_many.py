"""Several audit events in one go (audit_record_many): one lock, one read of the last hash,
one INSERT, and the same hash chain audit_record writes one event at a time."""

import pytest
from django.db import transaction

from core import context
from core.audit import GENESIS, _digest, audit_record, audit_record_many, audit_verify
from core.models import AuditEvent


def _batch(actor, n: int = 3) -> list[dict]:
    return [{"action": "test.batch", "actor": actor, "object_type": "test.thing", "object_id": str(i),
             "old": {"n": i}, "new": {"n": i + 1, "amount": "1.50"}} for i in range(n)]


def test_the_events_are_chained_in_list_order_and_verify(db, operator):
    with transaction.atomic():
        events = audit_record_many(_batch(operator, 5))

    stored = list(AuditEvent.objects.order_by("id"))
    assert [e.pk for e in stored] == [e.pk for e in events]
    assert [e.object_id for e in stored] == ["0", "1", "2", "3", "4"]
    assert stored[0].prev_hash == GENESIS
    for previous, current in zip(stored, stored[1:], strict=False):
        assert current.prev_hash == previous.hash
    assert all(_digest(e.prev_hash, e) == e.hash for e in stored)   # what was hashed is what came back
    assert audit_verify().ok and audit_verify().checked == 5


def test_batches_and_single_events_interleave_into_one_chain(db, verified_investor, operator):
    before = AuditEvent.objects.count()   # the persona's own onboarding events
    with transaction.atomic():
        audit_record(action="test.before", actor=operator, obj=verified_investor)
        audit_record_many(_batch(verified_investor, 2))
    with transaction.atomic():
        audit_record_many(_batch(None, 2))
        audit_record(action="test.after", new={"done": True})

    assert [e.action for e in AuditEvent.objects.order_by("id")[before:]] == [
        "test.before", "test.batch", "test.batch", "test.batch", "test.batch", "test.after"]
    assert audit_verify().ok and audit_verify().checked == before + 6


def test_each_event_records_its_object_actor_and_the_request_context(db, verified_investor, operator):
    token = context.request_id.set("req-42")
    try:
        with transaction.atomic():
            first, second = audit_record_many([
                {"action": "test.one", "actor": operator, "obj": verified_investor},
                {"action": "test.two", "object_type": "test.thing", "object_id": 7, "new": {"x": 1}},
            ])
    finally:
        context.request_id.reset(token)

    first, second = AuditEvent.objects.get(pk=first.pk), AuditEvent.objects.get(pk=second.pk)
    assert (first.actor, first.object_type, first.object_id) == (operator, "accounts.user", str(verified_investor.pk))
    assert (second.actor, second.object_id, second.new_values) == (None, "7", {"x": 1})
    assert first.request_id == second.request_id == "req-42"


def test_audit_record_costs_one_lock_one_read_and_one_insert(db, operator, django_assert_num_queries):
    with transaction.atomic():
        with django_assert_num_queries(3):
            audit_record(action="test.single", actor=operator)
        with django_assert_num_queries(3):
            audit_record_many(_batch(operator, 20))


def test_an_empty_batch_writes_nothing_and_asks_nothing(db, django_assert_num_queries):
    with transaction.atomic(), django_assert_num_queries(0):
        assert audit_record_many([]) == []


def test_audit_record_many_refuses_to_run_outside_the_changes_transaction(transactional_db, operator):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record_many(_batch(operator, 2))

    assert not AuditEvent.objects.exists()
