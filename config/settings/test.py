"""Test profile (pytest.ini selects it): in-memory e-mail, fast password hashing, the same
real PostgreSQL and Redis as `make run`."""

from .base import *  # noqa: F403
from .base import DATABASES as _databases
from .base import env, redis_db

DEBUG = False
SECRET_KEY = "test-only-key"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES["default"]["KEY_PREFIX"] = "shoken-test"  # noqa: F405
# Parallel test runs on one machine (several developers' shells) each set their own
# TEST_DB_NAME and TEST_CACHE_REDIS_DB so they never drop each other's database.
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DB_NAME", default="test_shoken")}  # noqa: F405
# No read replica in tests, whatever DATABASE_REPLICA_URL says (a test that does not list the alias
# may not query it): tests/scale/test_read_replica.py starts a real one and adds the alias itself.
_databases.pop("replica", None)
CACHES["default"]["LOCATION"] = redis_db(REDIS_URL, env.int("TEST_CACHE_REDIS_DB", default=2))  # noqa: F405

# Serve static files straight from the finders (no collectstatic in development and tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# Investors and KYC (issue 4): fixed test-only keys (the second one exercises rotation).
FIELD_ENCRYPTION_KEYS = ["dGVzdC1vbmx5LWZpZWxkLWtleS0wMDAwMDAwMDAwMDA=", "b2xkLXRlc3Qtb25seS1maWVsZC1rZXktMDAwMDAwMDA="]

# Tests that are about the relay start their own worker on their own queue; others must not
# leave kick messages on the shared broker.
OUTBOX_KICK_TASK = ""
# Events wait for the fan-out a test runs itself (webhooks tests start their own worker).
EVENTS_AFTER_COMMIT = ""
# Webhook receivers in tests run on 127.0.0.1 (the SSRF tests turn this off); retries come fast.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
WEBHOOK_RETRY_DELAYS = [0.2, 0.4]
WEBHOOK_CONNECT_TIMEOUT_SECONDS = 2.0
WEBHOOK_READ_TIMEOUT_SECONDS = 5.0
BUSINESS_DATE_CHANGED_TASK = ""
