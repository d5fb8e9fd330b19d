"""Celery queues by kind of work (issue 16, config/celery_routes.py): each task name (and the
relay's lane) goes to its queue, a queue named by the sender wins, every task's time limit is
below the broker's visibility timeout, and the Procfile worker and docker-compose.yml's worker
services consume every queue the routes can produce."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from kombu import Connection

from config import celery_routes
from config.celery import app

ROOT = Path(__file__).resolve().parent.parent.parent
#: Signer lanes docker-compose.yml runs a sender service for (worker-send-<k>).
COMPOSE_LANES = 4


def _queue(name: str, kwargs: dict | None = None, **options) -> str:
    return app.amqp.router.route(options, name, (), kwargs or {})["queue"].name


@pytest.mark.parametrize(("name", "kwargs", "queue"), [
    ("chain.relay_sweep", {}, "chain.send.0"),
    ("chain.relay_sweep", {"lane": 0}, "chain.send.0"),
    ("chain.relay_sweep", {"lane": 1}, "chain.send.1"),
    ("chain.relay_sweep", {"lane": 7}, "chain.send.7"),
    ("chain.confirm_sweep", {}, "chain.confirm"),
    ("chain.index_sweep", {}, "chain.index"),
    ("chain.reconcile", {}, "chain.reconcile"),
    ("servicing.sweep", {}, "servicing.payments"),
    ("servicing.anything_new", {}, "servicing.payments"),
    ("notifications.send_pending", {}, "notifications.email"),
    ("webhooks.deliver", {}, "webhooks.deliver"),
    ("webhooks.fan_out", {}, "webhooks.deliver"),
    ("webhooks.sweep", {}, "webhooks.deliver"),
    ("ledger.snapshot_sweep", {}, "celery"),
    ("compliance.expire_kyc", {}, "celery"),
    ("core.ping", {}, "celery"),
])
def test_each_kind_of_work_goes_to_its_queue(name, kwargs, queue):
    assert _queue(name, kwargs) == queue


def test_a_queue_named_by_the_sender_wins():
    assert _queue("chain.relay_sweep", {"lane": 3}, queue="test-private") == "test-private"
    assert _queue("chain.confirm_sweep", queue="test-private") == "test-private"
    assert _queue("notifications.send_pending", queue="test-private") == "test-private"
    assert _queue("chain.relay_sweep", {"lane": 3}, queue=None) == "chain.send.3"   # None names nothing


def test_a_sent_message_lands_on_its_lane_queue():
    """Through send_task and a broker (kombu's in-memory transport): the message published for
    lane 2's relay sweep sits in chain.send.2, with its kwargs; the confirm sweep's in chain.confirm."""
    with Connection("memory://") as conn:
        app.send_task("chain.relay_sweep", kwargs={"lane": 2}, connection=conn)
        app.send_task("chain.confirm_sweep", connection=conn)
        lane = conn.SimpleQueue("chain.send.2")
        message = lane.get(timeout=2)
        assert message.headers["task"] == "chain.relay_sweep"
        assert message.decode()[1] == {"lane": 2}
        message.ack()
        assert conn.SimpleQueue("chain.confirm").get(timeout=2).headers["task"] == "chain.confirm_sweep"
        for queue in ("chain.send.0", "celery"):
            with pytest.raises(conn.SimpleQueue(queue).Empty):
                conn.SimpleQueue(queue).get(block=False)


def test_every_task_has_a_time_limit_below_the_visibility_timeout():
    """acks_late: a message not acknowledged within the visibility timeout is handed to another
    worker, so every task must end (its hard time limit) before that; retries' countdowns too."""
    app.loader.import_default_modules()
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert {"chain.relay_sweep", "chain.confirm_sweep", "chain.index_sweep", "chain.reconcile", "servicing.sweep",
            "notifications.send_pending", "ledger.snapshot_sweep", "webhooks.deliver", "webhooks.sweep"} <= set(ours)
    for name, task in ours.items():
        hard = task.time_limit or app.conf.task_time_limit
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        assert hard and soft, name
        assert soft < hard < visibility, (name, soft, hard, visibility)
        if getattr(task, "autoretry_for", ()):
            assert getattr(task, "retry_backoff_max", 600) < visibility, name   # Celery's default: 600 s
    assert app.conf.task_acks_late and app.conf.worker_prefetch_multiplier == 1


def test_the_loops_fit_in_their_time_limits(settings):
    """A relay or confirm task loops for its *_TASK_SECONDS and then finishes one sweep: the limit
    leaves CHAIN_SWEEP_LIMIT_SECONDS for it."""
    limits = settings.CELERY_TASK_LIMITS
    assert limits["chain.relay_sweep"] >= settings.CHAIN_RELAY_TASK_SECONDS + settings.CHAIN_SWEEP_LIMIT_SECONDS
    assert limits["chain.confirm_sweep"] >= settings.CHAIN_CONFIRM_TASK_SECONDS + settings.CHAIN_SWEEP_LIMIT_SECONDS


def test_all_queues_lists_every_queue_the_routes_produce(settings):
    settings.CHAIN_SIGNER_KEYS = ["0x01", "0x02", "0x03"]
    lanes = celery_routes.lane_count_from_settings()
    assert lanes == 3
    queues = set(celery_routes.all_queues(lanes))
    produced = {_queue("chain.relay_sweep", {"lane": lane}) for lane in range(lanes)}
    produced |= {_queue(name) for name in ("chain.confirm_sweep", "chain.index_sweep", "chain.reconcile",
                                           "servicing.sweep", "notifications.send_pending", "webhooks.deliver",
                                           "core.ping")}
    assert produced == queues
    settings.CHAIN_SIGNER_KEYS = []
    assert celery_routes.all_queues(celery_routes.lane_count_from_settings())[:2] == ["celery", "chain.send.0"]
    assert all(celery_routes.is_routed_queue(queue) for queue in queues)
    assert not celery_routes.is_routed_queue("relay-test-1234")


def test_the_procfile_worker_consumes_every_queue():
    """`make run`'s single worker: -Q is whatever `python -m config.celery_routes` prints for the
    configured lanes (run here as honcho's shell would, with three signer keys)."""
    worker = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("worker:"))
    substitution = re.search(r'-Q "\$\((.+?)\)"', worker)
    assert substitution, worker
    env = {**os.environ, "CHAIN_SIGNER_KEYS": "0x01,0x02,0x03"}
    command = [sys.executable if part.endswith("/python") else part for part in shlex.split(substitution[1])]
    printed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert printed.split(",") == celery_routes.all_queues(3)


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _worker_queues(service: dict) -> list[str]:
    command = service.get("command") or []
    command = shlex.split(command) if isinstance(command, str) else command
    if "worker" not in command:
        return []
    assert "-Q" in command, command
    return command[command.index("-Q") + 1].split(",")


def test_docker_compose_runs_a_worker_service_for_every_queue():
    """Every queue the routes produce (lanes 0..COMPOSE_LANES-1) is consumed by a worker service;
    a sender service consumes its one lane; the workers and beat talk to the same primary, and
    web and workers get the replica's URL."""
    services = _compose()["services"]
    consumed: dict[str, list[str]] = {}
    for name, service in services.items():
        for queue in _worker_queues(service):
            consumed.setdefault(queue, []).append(name)
    assert set(celery_routes.all_queues(COMPOSE_LANES)) <= set(consumed), consumed
    for lane in range(COMPOSE_LANES):
        assert consumed[f"chain.send.{lane}"] == [f"worker-send-{lane}"]
        assert _worker_queues(services[f"worker-send-{lane}"]) == [f"chain.send.{lane}"]
    assert {"postgres", "postgres-replica", "redis", "anvil", "web", "beat", "worker-confirm",
            "worker-index-reconcile", "worker-payments", "worker-email", "worker-webhooks", "worker"} <= set(services)
    for name in ("web", "worker-confirm", "worker-send-0", "beat"):
        assert "replica" in services[name]["environment"]["DATABASE_REPLICA_URL"]
        assert "@postgres:" in services[name]["environment"]["DATABASE_URL"]
    mounted = [volume.split(":")[0] for service in services.values() for volume in service.get("volumes", [])
               if volume.startswith("./")]
    assert mounted and all((ROOT / path).is_file() for path in mounted), mounted
    replica = services["postgres-replica"]
    assert replica["entrypoint"][-1] == "/deploy/replica-entrypoint.sh"
    assert "pg_basebackup" in (ROOT / "deploy/postgres/replica-entrypoint.sh").read_text()
