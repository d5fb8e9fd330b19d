"""A real Celery worker (on the Redis broker, on a queue of this test run's own) mirrors
actions: the relay task sends them, then kicks the confirmer on the same queue."""

from __future__ import annotations

import os
import time

import pytest
from celery.contrib.testing.worker import start_worker

from chain.backend import get_backend
from chain.models import ChainTransaction
from chain.tasks import relay_sweep_task
from config.celery import app
from core.models import OutboxEntry

from .conftest import new_wallet, put, register_wallet_payload

QUEUE = f"chain-test-{os.environ.get('TEST_DB_NAME', 'test_shoken')}-{os.getpid()}"


@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_relays_and_confirms(chain_settings):
    from chain.services import registry_deploy

    backend = get_backend()
    registry, _ = registry_deploy(backend=backend)
    wallets = [new_wallet() for _ in range(3)]
    for i, wallet in enumerate(wallets, start=1):
        put("registry.register_wallet", register_wallet_payload(i, wallet), f"worker:wallet:{i}:add")

    with start_worker(app, queues=[QUEUE], pool="threads", concurrency=2, perform_ping_check=False,
                      shutdown_timeout=30):
        relay_sweep_task.apply_async(queue=QUEUE)
        deadline = time.monotonic() + 30
        while OutboxEntry.objects.exclude(status=OutboxEntry.Status.CONFIRMED).exists():
            assert time.monotonic() < deadline, list(OutboxEntry.objects.values_list("status", "last_error"))
            time.sleep(0.05)

    assert ChainTransaction.objects.filter(status="confirmed").count() == 3
    for i, wallet in enumerate(wallets, start=1):
        assert backend.read("InvestorRegistry", registry.address, "investorOf", wallet)[0] == i
