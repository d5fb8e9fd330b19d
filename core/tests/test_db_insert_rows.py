"""core.db.insert_rows inserts several new objects in ONE statement, in list order, the way
Django would save them (defaults, auto_now_add), with or without preset primary keys."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from core.db import insert_rows
from core.models import OutboxEntry


def _new(n: int, *, start: int = 0) -> list[OutboxEntry]:
    return [OutboxEntry(kind="token.pause", payload={"security_id": i, "tags": ["a", i]}, idempotency_key=f"ins:{i}")
            for i in range(start, start + n)]


def test_new_objects_get_their_ids_in_list_order_in_one_statement(db):
    objs = _new(3)
    with CaptureQueriesContext(connection) as queries:
        insert_rows(objs)
    assert len(queries) == 1
    assert [o.pk for o in objs] == sorted(o.pk for o in objs) and objs[0].pk is not None
    stored = {e.pk: e for e in OutboxEntry.objects.filter(pk__in=[o.pk for o in objs])}
    for obj in objs:
        row = stored[obj.pk]
        assert (row.idempotency_key, row.payload, row.status, row.attempts) == (
            obj.idempotency_key, obj.payload, "pending", 0)
        assert row.created_at is not None and row.created_at == obj.created_at   # auto_now_add applied
    assert not objs[0]._state.adding


def test_preset_primary_keys_are_kept(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('core_outboxentry', 'id')) FROM generate_series(1, 2)")
        pks = [row[0] for row in cursor.fetchall()]
    objs = _new(2, start=10)
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
    insert_rows(objs)
    assert sorted(OutboxEntry.objects.values_list("pk", flat=True)) == sorted(pks)


def test_mixing_preset_and_missing_keys_is_refused(db):
    objs = _new(2)
    objs[0].pk = 999_999
    with pytest.raises(ValueError, match="all objects a pk, or none"):
        insert_rows(objs)
    assert not OutboxEntry.objects.exists()


def test_a_constraint_violation_inserts_nothing(db):
    objs = _new(2)
    objs[1].idempotency_key = objs[0].idempotency_key   # unique
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(objs)
    assert not OutboxEntry.objects.exists()


def test_an_empty_list_runs_no_query(db):
    with CaptureQueriesContext(connection) as queries:
        insert_rows([])
    assert len(queries) == 0
