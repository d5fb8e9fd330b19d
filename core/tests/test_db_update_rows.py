"""core.db.update_rows writes each object's own values into several rows in ONE statement,
NULLs and datetimes included, and touches nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.db import update_rows
from core.models import OutboxEntry
from core.outbox import outbox_put
from core.outbox_payloads import TokenPause


def _entries(n: int) -> list[OutboxEntry]:
    with transaction.atomic():
        return [outbox_put(TokenPause(security_id=i), idempotency_key=f"rows:{i}")
                for i in range(n)]


def test_each_row_gets_its_own_values_in_one_statement(db):
    a, b, c = _entries(3)
    when = datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    a.tx_hash, a.block_number, a.confirmed_at = "0x" + "aa" * 32, 7, when
    b.tx_hash, b.block_number, b.confirmed_at = "0x" + "bb" * 32, 2**40, None
    c.tx_hash, c.block_number, c.confirmed_at = "", None, None

    with CaptureQueriesContext(connection) as queries:
        updated = update_rows([a, b, c], ["tx_hash", "block_number", "confirmed_at"])

    assert updated == 3
    assert len(queries) == 1
    stored = {e.pk: (e.tx_hash, e.block_number, e.confirmed_at) for e in OutboxEntry.objects.all()}
    assert stored == {a.pk: ("0x" + "aa" * 32, 7, when),
                      b.pk: ("0x" + "bb" * 32, 2**40, None),
                      c.pk: ("", None, None)}


def test_null_overwrites_a_value_and_unlisted_fields_stay(db):
    [entry] = _entries(1)
    OutboxEntry.objects.filter(pk=entry.pk).update(block_number=5, confirmed_at=datetime(2030, 1, 1, tzinfo=UTC),
                                                   last_error="kept")
    entry.block_number, entry.confirmed_at, entry.last_error = None, None, "not written"

    assert update_rows([entry], ["block_number", "confirmed_at"]) == 1

    stored = OutboxEntry.objects.get(pk=entry.pk)
    assert (stored.block_number, stored.confirmed_at, stored.last_error) == (None, None, "kept")


def test_a_json_field_is_written_as_json(db):
    [entry] = _entries(1)
    entry.payload = {"security_id": 9, "nested": [1, "two", None]}

    assert update_rows([entry], ["payload"]) == 1

    assert OutboxEntry.objects.get(pk=entry.pk).payload == {"security_id": 9, "nested": [1, "two", None]}


def test_an_empty_list_runs_no_query(db):
    with CaptureQueriesContext(connection) as queries:
        assert update_rows([], ["tx_hash"]) == 0
    assert len(queries) == 0


def test_an_object_not_in_the_table_counts_for_nothing(db):
    [entry] = _entries(1)
    gone = OutboxEntry(pk=entry.pk + 1000, tx_hash="0xdead")
    entry.tx_hash = "0xlive"

    assert update_rows([entry, gone], ["tx_hash"]) == 1

    assert OutboxEntry.objects.get(pk=entry.pk).tx_hash == "0xlive"
    assert not OutboxEntry.objects.filter(tx_hash="0xdead").exists()


def test_an_unknown_field_is_refused_before_any_query(db):
    [entry] = _entries(1)
    with CaptureQueriesContext(connection) as queries, pytest.raises(FieldDoesNotExist):
        update_rows([entry], ["no_such_field"])
    assert len(queries) == 0
