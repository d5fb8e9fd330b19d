"""The relay kick sent after an outbox commit starts OUTBOX_KICK_DELAY_SECONDS later (its
message carries that ETA), so the commits of that moment go out in one sweep; no delay, no ETA."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

import pytest
import redis
from django.db import transaction
from django.utils import timezone

from core.outbox import outbox_put
from core.outbox_payloads import TokenPause


@pytest.fixture
def kick_queue(settings):
    """Kicks go to a queue of this test's own; dedup off (it would share the broker's flag)."""
    queue = f"kick-delay-test-{uuid.uuid4().hex[:8]}"
    settings.OUTBOX_KICK_TASK = "chain.relay_sweep"
    settings.OUTBOX_KICK_QUEUE = queue
    settings.OUTBOX_KICK_DEDUP_SECONDS = 0
    client = redis.Redis.from_url(settings.REDIS_URL)   # the broker (as in test_outbox)
    try:
        yield client, queue
    finally:
        client.delete(queue)
        client.close()


def _commit_one(key: str) -> None:
    with transaction.atomic():
        outbox_put(TokenPause(security_id=1), idempotency_key=key)


def _sent(client, queue: str) -> list[dict]:
    return [json.loads(raw) for raw in client.lrange(queue, 0, -1)]


def test_the_kick_is_sent_with_the_configured_countdown(transactional_db, settings, kick_queue):
    client, queue = kick_queue
    settings.OUTBOX_KICK_DELAY_SECONDS = 30
    before = timezone.now()

    _commit_one(f"kick:{queue}")

    [message] = _sent(client, queue)
    assert message["headers"]["task"] == "chain.relay_sweep"
    eta = datetime.fromisoformat(message["headers"]["eta"])
    assert before + timedelta(seconds=29) <= eta <= timezone.now() + timedelta(seconds=31)


def test_without_a_delay_the_kick_has_no_eta(transactional_db, settings, kick_queue):
    client, queue = kick_queue
    settings.OUTBOX_KICK_DELAY_SECONDS = 0

    _commit_one(f"kick:{queue}")

    [message] = _sent(client, queue)
    assert message["headers"]["task"] == "chain.relay_sweep"
    assert message["headers"]["eta"] is None


def test_each_commit_kicks_when_dedup_is_off(transactional_db, settings, kick_queue):
    client, queue = kick_queue
    settings.OUTBOX_KICK_DELAY_SECONDS = 0.05

    _commit_one(f"kick:{queue}:1")
    _commit_one(f"kick:{queue}:2")

    assert len(_sent(client, queue)) == 2
