"""core/idempotency.py below the API: the key's rule (shared with the ledger's service-level
keys), the fingerprint, and the purge of expired keys, directly and by a real Celery worker
(the beat task). The replay itself is tested through real endpoints in tests/api/."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from accounts.tests.factories import UserFactory
from config import celery_app
from core import idempotency
from core.errors import ApplicationError
from core.models import IdempotencyKey
from core.tasks import idempotency_purge

NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
QUEUE = f"test-core-idempotency-{uuid.uuid4().hex[:12]}"


@pytest.mark.parametrize("key", ["a", "~" * 128, "order-2026-03-02/7", "!#$%&'()*+,-./:;<=>?@[]^_`{|}"])
def test_visible_ascii_keys_are_taken(key):
    assert idempotency.key_from_header(key) == key


@pytest.mark.parametrize("key", ["", "x" * 129, "has space", "キー", "tab\tkey", "nul\x00", "end\n", "\x7f"])
def test_other_keys_are_a_400(key):
    with pytest.raises(ApplicationError) as refused:
        idempotency.key_from_header(key)

    assert (refused.value.status, refused.value.code) == (400, "invalid_idempotency_key")
    assert list(refused.value.fields) == ["Idempotency-Key"]


def test_no_header_is_no_key():
    assert idempotency.key_from_header(None) is None


def test_the_ledgers_client_keys_use_the_same_rule():
    from ledger.services import client_keys

    assert client_keys.CLIENT_KEY_PATTERN == idempotency.KEY_PATTERN
    assert client_keys.client_key_from_header is idempotency.key_from_header


def test_the_fingerprint_tells_method_path_user_and_body_apart():
    base = {"method": "POST", "full_path": "/api/x/?a=1", "user_id": 1, "body_sha256": "0" * 64}
    prints = {idempotency.fingerprint(**{**base, **change}) for change in
              ({}, {"method": "PUT"}, {"full_path": "/api/x/?a=2"}, {"user_id": 2}, {"body_sha256": "1" * 64})}

    assert len(prints) == 5 and idempotency.fingerprint(**base) == idempotency.fingerprint(**base)


def _key(user, name: str, *, expires_at: dt.datetime, state: str = "done") -> IdempotencyKey:
    return IdempotencyKey.objects.create(user=user, key=name, fingerprint="f" * 64, method="POST", path="/api/x/",
                                         state=state, status_code=201 if state == "done" else None,
                                         created_at=expires_at - idempotency.ttl(), expires_at=expires_at)


def test_the_purge_deletes_expired_keys_only(db):
    user = UserFactory()
    _key(user, "old", expires_at=NOON - dt.timedelta(hours=1))
    _key(user, "stale-claim", expires_at=NOON - dt.timedelta(seconds=1), state="running")
    _key(user, "fresh", expires_at=NOON + dt.timedelta(hours=1))

    assert idempotency.purge_expired(now=NOON, batch=1) == 2

    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]


def test_keys_last_a_day_by_default():
    assert settings.IDEMPOTENCY_KEY_TTL_HOURS == 24 and idempotency.ttl() == dt.timedelta(hours=24)


def test_beat_purges_every_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["core.idempotency_purge"]

    assert entry["task"] == idempotency_purge.name == "core.idempotency_purge" and entry["schedule"] == 3600


@pytest.fixture
def celery_worker():
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30, queues=[QUEUE]) as worker:
        yield worker


def test_a_real_worker_runs_the_purge(transactional_db, celery_worker):
    user = UserFactory()
    _key(user, "long-gone", expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    _key(user, "far-future", expires_at=dt.datetime(2999, 1, 1, tzinfo=dt.UTC))

    purged = idempotency_purge.apply_async(queue=QUEUE).get(timeout=30)

    assert purged == 1 and list(IdempotencyKey.objects.values_list("key", flat=True)) == ["far-future"]


def test_a_claim_is_never_made_inside_a_transaction(db):
    """The claim commits on its own before the view runs; inside a caller's transaction it could
    not (and the view's durable transactions would then run inside it)."""
    from django.db import transaction

    user = UserFactory()
    with transaction.atomic(), pytest.raises(RuntimeError, match="never inside a transaction"):
        idempotency.claim(user_id=user.pk, key="k", print_="f" * 64, method="POST", path="/api/x/")

    assert not IdempotencyKey.objects.exists()
