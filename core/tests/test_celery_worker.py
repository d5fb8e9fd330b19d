"""A real Celery worker takes `core.ping` off the real Redis broker and answers through the
real result backend: no eager mode."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from config import celery_app
from core.tasks import ping


@pytest.fixture
def celery_worker():
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


def test_the_app_talks_to_the_test_settings_redis():
    assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL
    assert celery_app.conf.result_backend == settings.CELERY_RESULT_BACKEND
    assert settings.CELERY_BROKER_URL.startswith(("redis://", "redis+socket://", "rediss://"))
    # the broker is the same Redis the cache and /healthz use
    redis_location = settings.REDIS_URL.removeprefix("unix://").removeprefix("redis://")
    assert redis_location in settings.CELERY_BROKER_URL
    assert not celery_app.conf.task_always_eager


def test_a_real_worker_answers_ping_through_the_broker(celery_worker):
    result = ping.delay()

    assert result.get(timeout=30) == "pong"
    assert result.successful()
    assert result.state == "SUCCESS"


def test_the_worker_serves_several_tasks_in_order(celery_worker):
    results = [ping.delay() for _ in range(3)]

    assert [r.get(timeout=30) for r in results] == ["pong"] * 3
    assert len({r.id for r in results}) == 3
