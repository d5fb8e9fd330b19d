"""Two real Celery worker processes race for one signer lane's relay tasks: only one sender of a
lane runs at a time (the lane's PostgreSQL advisory lock), the other's tasks for that lane return
"skipped", while another lane's sender runs beside it. The workers (chain/tests/lane_race_app.py)
record every relay sweep's interval; overlapping sweeps of one lane would be two senders."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection

from chain.backend import get_backend
from chain.models import ChainTransaction, SignerLane
from core.models import OutboxEntry
from tests.chaos.harness import CELERY_BIN, ROOT, PrivateRedis, poll, worker_env

from .conftest import new_wallet, put, register_wallet_payload

REGISTRATIONS = 16   # lane 0 (the registry's), two a sweep: 8 sweeps of >= 0.15 s
DEPLOYS = 4          # lane 1


def start_worker(index: int, *, queue: str, env: dict, log_dir: Path) -> subprocess.Popen:
    log = (log_dir / f"worker-{index}.log").open("ab")
    try:
        return subprocess.Popen(
            [str(CELERY_BIN), "-A", "chain.tests.lane_race_app", "worker", "--pool", "solo", "--concurrency", "1",
             "-Q", queue, "-n", f"{queue}-{index}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--loglevel", "INFO"],
            cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        log.close()


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def overlapping(intervals: list[dict]) -> list[tuple[dict, dict]]:
    ordered = sorted(intervals, key=lambda i: i["start"])
    return [(a, b) for a, b in zip(ordered, ordered[1:], strict=False) if b["start"] < a["end"]]


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_never_run_two_senders_of_one_lane(chain_settings, chain_snapshot):
    from chain.services import registry_deploy

    chain_settings.CHAIN_SIGNER_KEYS = list(chain_snapshot.keys[:2])
    registry_deploy(backend=get_backend())
    SignerLane.objects.bulk_create([SignerLane(target=f"security:{900 + i}", lane=1) for i in range(DEPLOYS)])
    for i in range(DEPLOYS):   # first: they need not wait for the registrations
        put("token.deploy", {"security_id": 900 + i, "name": f"Race {i}", "symbol": f"RC{i}", "decimals": 0,
                             "rules": {}}, f"race:deploy:{i}")
    for i in range(REGISTRATIONS):
        put("registry.register_wallet", register_wallet_payload(i + 1, new_wallet()), f"race:wallet:{i}")
    assert set(OutboxEntry.objects.values_list("lane", flat=True)) == {0, 1}

    work = Path(tempfile.mkdtemp(prefix="shoken-lane-race-"))
    record = work / "sweeps.jsonl"
    record.touch()
    queue = f"lane-race-{os.environ.get('TEST_DB_NAME', 'test')}-{os.getpid()}"
    redis = PrivateRedis()
    redis.start()
    env = worker_env(database=connection.settings_dict, redis=redis,
                     anvil=SimpleNamespace(rpc_url=chain_snapshot.rpc_url, signer_key=chain_snapshot.keys[0]),
                     CHAIN_SIGNER_KEYS=",".join(chain_snapshot.keys[:2]), CHAIN_RELAY_BATCH_SIZE="2",
                     CHAIN_RELAY_TASK_SECONDS="60", LANE_RACE_LOG=str(record), LANE_RACE_SWEEP_SECONDS="0.15")
    procs = [start_worker(i, queue=queue, env=env, log_dir=work) for i in range(2)]
    sender = None
    try:
        def ready() -> bool:
            for i, proc in enumerate(procs):
                assert proc.poll() is None, (work / f"worker-{i}.log").read_text()
            return all(" ready." in (work / f"worker-{i}.log").read_text(errors="replace") for i in range(2))

        poll(ready, timeout=90, what="two Celery workers ready", interval=0.1)
        from celery import Celery

        sender = Celery("lane-race-test", broker=redis.celery_url, set_as_current=False)
        for _ in range(6):
            sender.send_task("chain.relay_sweep", kwargs={"lane": 0}, queue=queue, ignore_result=True)
        poll(lambda: '"start": 0' in record.read_text(), timeout=30, what="a lane 0 sweep")
        for _ in range(2):   # while lane 0's sender loops: the idle worker takes these
            sender.send_task("chain.relay_sweep", kwargs={"lane": 1}, queue=queue, ignore_result=True)
        poll(lambda: not OutboxEntry.objects.exclude(status=OutboxEntry.Status.CONFIRMED).exists(), timeout=90,
             what="every action confirmed")
    finally:
        if sender is not None:
            sender.close()
        stop(procs)
        redis.close()
        connection.close()

    lines = [json.loads(line) for line in record.read_text().splitlines()]
    sweeps = {lane: [x for x in lines if x.get("lane") == lane and "end" in x] for lane in (0, 1)}
    outcomes = [x for x in lines if "task" in x and x["task"] == 0]
    # the race happened: both processes took lane 0 tasks, and the one without the lock skipped
    assert len({x["pid"] for x in outcomes}) == 2, outcomes
    assert any(x["outcome"].get("skipped") for x in outcomes), outcomes
    # ... and never were two lane 0 (or lane 1) sweeps under way at once
    assert overlapping(sweeps[0]) == [] and overlapping(sweeps[1]) == []
    # while the lanes' senders did run at once (the record would show an overlap)
    assert overlapping(sweeps[0] + sweeps[1]), sweeps
    # each action sent once, each signer's nonces without a gap
    txs = list(ChainTransaction.objects.values_list("entry_id", "signer", "nonce"))
    assert len(txs) == REGISTRATIONS + DEPLOYS == len({entry for entry, _, _ in txs})
    for signer in {s for _, s, _ in txs}:
        nonces = sorted(n for _, s, n in txs if s == signer)
        assert nonces == list(range(nonces[0], nonces[0] + len(nonces)))
