"""A real Celery worker takes tasks off the real Redis broker and answers through the real
result backend: no eager mode.

The worker listens on a queue of its own, so another test run sharing the broker neither
steals these messages nor gets handed tasks it does not know."""

import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connections, transaction

from config import celery_app
from core import context
from core.audit import audit_record
from core.models import AuditEvent
from core.tasks import ping

QUEUE = f"test-core-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def celery_worker():
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30, queues=[QUEUE]) as worker:
        yield worker


def test_the_app_talks_to_the_test_settings_redis():
    assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL
    assert celery_app.conf.result_backend == settings.CELERY_RESULT_BACKEND
    assert settings.CELERY_BROKER_URL.startswith(("redis://", "redis+socket://", "rediss://"))
    # the broker is the Redis server the cache and /healthz use
    redis_location = settings.REDIS_URL.removeprefix("unix://").removeprefix("redis://").split("?")[0]
    assert redis_location in settings.CELERY_BROKER_URL
    assert not celery_app.conf.task_always_eager


def test_a_real_worker_answers_ping_through_the_broker(celery_worker):
    result = ping.apply_async(queue=QUEUE)

    assert result.get(timeout=30) == "pong"
    assert result.successful()


def test_the_worker_serves_several_tasks(celery_worker):
    results = [ping.apply_async(queue=QUEUE) for _ in range(3)]

    assert [r.get(timeout=30) for r in results] == ["pong"] * 3
    assert len({r.id for r in results}) == 3


@celery_app.task(name="core.tests.audit_from_task")
def audit_from_task(marker: str) -> str:
    """Test-only task: a use case run by a worker writes an audit event."""
    try:
        with transaction.atomic():
            audit_record(action="test.from_task", object_type="test.marker", object_id=marker)
        return context.task_id.get()
    finally:
        connections.close_all()  # the worker thread's connection must not outlive the test


def test_an_audit_event_written_by_a_task_names_the_task(transactional_db, celery_worker):
    result = audit_from_task.apply_async(args=["m-1"], queue=QUEUE)

    seen_task_id = result.get(timeout=30)

    assert seen_task_id == result.id
    event = AuditEvent.objects.get(action="test.from_task", object_id="m-1")
    assert event.task_id == result.id
    assert event.request_id == ""
    assert context.task_id.get() == ""  # the test's own context is untouched


@celery_app.task(name="core.tests.backend_pid")
def backend_pid(close: bool = False) -> int:
    """Test-only task: the PostgreSQL backend serving this worker's connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    if close:
        connections.close_all()  # the worker thread's connection must not outlive the test
    return pid


def test_a_worker_keeps_its_database_connection_between_tasks_and_replaces_a_broken_one(
        transactional_db, celery_worker):
    """Celery's Django fixup would open a new connection for every task (a backend start per
    relay sweep); workers keep theirs like web requests do, and a connection the server
    dropped meanwhile is noticed and replaced before the next task uses it."""
    from django.db import connection

    first = backend_pid.apply_async(queue=QUEUE).get(timeout=30)
    second = backend_pid.apply_async(queue=QUEUE).get(timeout=30)
    assert second == first

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [first])
        assert cursor.fetchone()[0] is True
    third = backend_pid.apply_async(kwargs={"close": True}, queue=QUEUE).get(timeout=30)

    assert third != first
