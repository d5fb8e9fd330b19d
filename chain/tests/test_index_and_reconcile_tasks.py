"""Beat runs the indexer and the reconciler; a real Celery worker (own queue) runs both
tasks: the direct transfer lands in the register, the foreign mint becomes a break."""

from __future__ import annotations

import os

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from chain.models import Break, Reconciliation
from chain.tasks import index_sweep_task, reconcile_task
from chain.web3_backend import Web3Backend
from config.celery import app
from investors.tests.factories import VERIFIED_INVESTOR_KEY
from ledger.models import TokenAction

QUEUE = f"chain-index-{os.environ.get('TEST_DB_NAME', 'test_shoken')}-{os.getpid()}"


def test_beat_schedules_the_indexer_and_the_reconciler():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["chain.index_sweep"]["task"] == "chain.index_sweep"
    assert schedule["chain.reconcile"]["task"] == "chain.reconcile"


@pytest.mark.django_db(transaction=True)
def test_a_worker_indexes_and_reconciles(mirrored_bond, backend, chain_snapshot):
    b = mirrored_bond
    Web3Backend(chain_snapshot.rpc_url, VERIFIED_INVESTOR_KEY).transfer(b.token, recipient=b.second, amount=10)
    backend.mint(b.token, ref=b"\x05" * 32, to=b.second, amount=3)

    with start_worker(app, queues=[QUEUE], pool="threads", concurrency=1, perform_ping_check=False,
                      shutdown_timeout=30):
        indexed = index_sweep_task.apply_async(queue=QUEUE).get(timeout=30)
        reconciled = reconcile_task.apply_async(queue=QUEUE).get(timeout=60)

    assert indexed["recorded"] == 1
    assert TokenAction.objects.filter(origin="chain").count() == 1
    assert reconciled["breaks_new"] == 2 and reconciled["error"] == ""
    assert Reconciliation.objects.count() == 1
    assert set(Break.objects.values_list("kind", "register_value", "chain_value")) == {
        ("balance", "60", "63"), ("total_supply", "150", "153")}
