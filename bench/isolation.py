"""The isolation the benchmarks share: a private Redis (its own unix socket), the test
settings, and a throwaway database created on the embedded PostgreSQL server the way
pytest-django does it (named by BENCH_DB_NAME, else the bench's default) and dropped at the
end, so a bench never touches the dev database or an engineer's test database."""

from __future__ import annotations

import os
from collections.abc import Callable


def run_isolated(run: Callable[..., str], *, database: str, with_anvil: bool = False,
                 env: dict[str, str] | None = None) -> str:
    """Call ``run(redis=...)`` (and ``anvil=`` a private anvil when ``with_anvil``) inside the
    isolation above; returns what it returned (the RESULT line). ``env``: more settings."""
    from tests.chaos.harness import PrivateAnvil, PrivateRedis

    redis = PrivateRedis()
    redis.start()
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "TEST_DB_NAME": os.environ.get("BENCH_DB_NAME", database),
        "REDIS_URL": redis.url,
        "CELERY_BROKER_URL": redis.celery_url,
        "CELERY_RESULT_BACKEND": "",
        **(env or {}),
    })
    anvil = None
    try:
        import django

        django.setup()
        from django.test.utils import setup_databases, teardown_databases

        databases = setup_databases(verbosity=0, interactive=False, serialized_aliases=[])
        try:
            if with_anvil:
                anvil = PrivateAnvil()
                return run(redis=redis, anvil=anvil)
            return run(redis=redis)
        finally:
            from django.db import connections

            connections.close_all()
            teardown_databases(databases, verbosity=0)
    finally:
        if anvil is not None:
            anvil.close()
        redis.close()
