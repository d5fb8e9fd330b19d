"""Actions the chain must mirror go into the outbox in the register's transaction; the
idempotency key makes a retried use case write nothing twice."""

import pytest
from django.db import transaction

from core.errors import ConflictError
from core.models import OutboxEntry
from core.outbox import outbox_put
from core.outbox_payloads import TokenBurn, TokenMint, TokenPause

WALLET = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


def test_a_new_action_is_written_pending(db):
    with transaction.atomic():
        entry = outbox_put(TokenMint(security_id=1, wallet=WALLET, amount=100), idempotency_key="sub:1")

    stored = OutboxEntry.objects.get(pk=entry.pk)
    assert stored.status == OutboxEntry.Status.PENDING
    assert stored.kind == "token.mint"
    assert stored.payload == {"security_id": 1, "wallet": WALLET, "amount": "100"}
    assert stored.attempts == 0


def test_a_retry_with_the_same_key_and_payload_returns_the_first_row(db):
    with transaction.atomic():
        first = outbox_put(TokenMint(security_id=1, wallet=WALLET, amount=150), idempotency_key="sub:2")
    with transaction.atomic():
        again = outbox_put(TokenMint(amount=150, wallet=WALLET, security_id=1), idempotency_key="sub:2")

    assert again.pk == first.pk
    assert OutboxEntry.objects.filter(idempotency_key="sub:2").count() == 1


@pytest.mark.parametrize(
    "payload",
    [TokenMint(security_id=1, wallet=WALLET, amount=101), TokenBurn(security_id=1, wallet=WALLET, amount=100)],
    ids=["other payload", "other kind"],
)
def test_the_same_key_for_a_different_action_is_a_conflict(db, payload):
    with transaction.atomic():
        first = outbox_put(TokenMint(security_id=1, wallet=WALLET, amount=100), idempotency_key="sub:3")

    with pytest.raises(ConflictError) as excinfo, transaction.atomic():
        outbox_put(payload, idempotency_key="sub:3")

    assert excinfo.value.code == "idempotency_conflict"
    assert list(OutboxEntry.objects.filter(idempotency_key="sub:3")) == [first]
    assert OutboxEntry.objects.get(pk=first.pk).payload == {"security_id": 1, "wallet": WALLET, "amount": "100"}


def test_outbox_put_refuses_to_run_outside_a_transaction(transactional_db):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        outbox_put(TokenPause(security_id=1), idempotency_key="sub:orphan")

    assert not OutboxEntry.objects.filter(idempotency_key="sub:orphan").exists()


def test_a_rolled_back_use_case_leaves_no_outbox_row(db):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        outbox_put(TokenPause(security_id=1), idempotency_key="sub:rolled-back")
        raise Boom

    assert not OutboxEntry.objects.filter(idempotency_key="sub:rolled-back").exists()


def test_a_committed_outbox_row_kicks_the_relay_task_on_the_broker(transactional_db, settings):
    import uuid

    import redis
    from django.db import transaction

    queue = f"kick-test-{uuid.uuid4().hex[:8]}"
    settings.OUTBOX_KICK_TASK = "chain.relay_sweep"
    settings.OUTBOX_KICK_QUEUE = queue
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        with transaction.atomic():
            outbox_put(TokenPause(security_id=1), idempotency_key=f"kick:{queue}")
            assert client.llen(queue) == 0  # nothing leaves before commit
        assert client.llen(queue) == 1
    finally:
        client.delete(queue)
        client.close()


def test_a_rolled_back_outbox_row_kicks_nothing(transactional_db, settings):
    import uuid

    import redis
    from django.db import transaction

    queue = f"kick-test-{uuid.uuid4().hex[:8]}"
    settings.OUTBOX_KICK_TASK = "chain.relay_sweep"
    settings.OUTBOX_KICK_QUEUE = queue
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            outbox_put(TokenPause(security_id=1), idempotency_key=f"kick:{queue}")
            raise RuntimeError("use case failed")
        assert client.llen(queue) == 0
    finally:
        client.delete(queue)
        client.close()
