"""Several outbox rows in one go (outbox_put_many) and the one-query outbox_put: the same
idempotency semantics as one row at a time, in a constant number of queries."""

import pytest
from django.db import transaction

from core.errors import ConflictError
from core.models import OutboxEntry
from core.outbox import outbox_put, outbox_put_many
from core.outbox_payloads import TokenMint

WALLET = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


def _mints(*keys: str, amount: int = 100) -> list[tuple[TokenMint, str]]:
    return [(TokenMint(security_id=1, wallet=WALLET, amount=amount), key) for key in keys]


def test_outbox_put_writes_a_new_row_in_one_query(db, django_assert_num_queries):
    with transaction.atomic():
        with django_assert_num_queries(1):
            entry = outbox_put(TokenMint(security_id=1, wallet=WALLET, amount=150), idempotency_key="one")
        entry.attempts += 1
        entry.save()   # a model instance like any other: saving it updates the row

    stored = OutboxEntry.objects.get(idempotency_key="one")
    assert stored.pk == entry.pk and stored.attempts == 1
    assert stored.payload == {"security_id": 1, "wallet": WALLET, "amount": "150"}
    assert (stored.status, stored.last_error, stored.tx_hash) == (OutboxEntry.Status.PENDING, "", "")
    assert stored.block_number is None and stored.confirmed_at is None
    assert stored.available_at == stored.created_at == entry.created_at


def test_the_rows_come_back_in_input_order_from_one_insert(db, django_assert_num_queries):
    with transaction.atomic(), django_assert_num_queries(1):
        entries = outbox_put_many(_mints("b", "a", "c"))

    assert [e.idempotency_key for e in entries] == ["b", "a", "c"]
    assert [e.pk for e in entries] == sorted(e.pk for e in entries)   # created in input order
    for entry in entries:
        stored = OutboxEntry.objects.get(pk=entry.pk)
        assert (stored.kind, stored.payload, stored.status) == (entry.kind, entry.payload, OutboxEntry.Status.PENDING)


def test_keys_already_recorded_return_their_first_rows(db, django_assert_num_queries):
    with transaction.atomic():
        first = outbox_put_many(_mints("x", "y"))
    with transaction.atomic(), django_assert_num_queries(2):   # the INSERT, then the rows already there
        again = outbox_put_many(_mints("x", "new", "y"))

    assert [again[0].pk, again[2].pk] == [first[0].pk, first[1].pk]
    assert OutboxEntry.objects.count() == 3


def test_a_key_twice_in_one_call_is_the_same_row_twice(db):
    with transaction.atomic():
        entries = outbox_put_many(_mints("twice", "other", "twice"))

    assert entries[0].pk == entries[2].pk
    assert OutboxEntry.objects.count() == 2


def test_a_key_twice_for_different_actions_is_a_conflict(db):
    items = _mints("twice") + _mints("twice", amount=101)

    with pytest.raises(ConflictError) as excinfo, transaction.atomic():
        outbox_put_many(items)

    assert excinfo.value.code == "idempotency_conflict"
    assert not OutboxEntry.objects.exists()


def test_a_recorded_key_for_another_action_refuses_the_call_and_writes_nothing(db):
    with transaction.atomic():
        (recorded,) = outbox_put_many(_mints("taken"))

    with transaction.atomic():   # even when the caller goes on after the refusal
        with pytest.raises(ConflictError) as excinfo:
            outbox_put_many(_mints("fresh") + _mints("taken", amount=7))
        assert not OutboxEntry.objects.filter(idempotency_key="fresh").exists()

    assert excinfo.value.code == "idempotency_conflict"
    assert list(OutboxEntry.objects.all()) == [recorded]
    assert (recorded.payload == OutboxEntry.objects.get().payload
            == {"security_id": 1, "wallet": WALLET, "amount": "100"})


def test_the_relay_is_kicked_once_after_commit_only_when_a_row_was_created(
        db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as created, transaction.atomic():
        outbox_put_many(_mints("k1", "k2", "k3"))
    with django_capture_on_commit_callbacks() as replayed, transaction.atomic():
        outbox_put_many(_mints("k1", "k2"))
        outbox_put(TokenMint(security_id=1, wallet=WALLET, amount=100), idempotency_key="k3")

    assert len(created) == 1
    assert replayed == []


def test_an_empty_call_writes_nothing(db, django_assert_num_queries):
    with transaction.atomic(), django_assert_num_queries(0):
        assert outbox_put_many([]) == []


def test_outbox_put_many_refuses_to_run_outside_a_transaction(transactional_db):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        outbox_put_many(_mints("orphan"))

    assert not OutboxEntry.objects.exists()
