"""Test profile (pytest.ini selects it): in-memory e-mail, fast password hashing, the same
real PostgreSQL and Redis as `make run`."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-key"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES["default"]["KEY_PREFIX"] = "shoken-test"  # noqa: F405

# Serve static files straight from the finders (no collectstatic in development and tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
