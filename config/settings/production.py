"""Production profile, the default: DEBUG off, secure cookies, and a loud failure when a
secret is missing."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

if not env("SECRET_KEY", default=None):
    raise ImproperlyConfigured("SECRET_KEY must be set in production (the profile refuses a default).")
for required in ("DATABASE_URL", "REDIS_URL"):
    if not env(required, default=None):
        raise ImproperlyConfigured(f"{required} must be set in production.")

SECRET_KEY = env("SECRET_KEY")
DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# The `preload` directive (with a year and subdomains, the preload list's terms): browsers may
# then refuse plain HTTP to this domain before the first visit. Off only for a domain that
# cannot commit every subdomain to HTTPS for good (`check --deploy` then warns, security.W021).
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
# `__Host-` cookies are Secure, host-only and path `/` by the browser's rule, so a sibling
# subdomain cannot set or shadow the session or CSRF cookie (cookie tossing). Pages send the
# CSRF token from the template, never by reading the cookie, so the name is free.
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}  # noqa: F405
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers and compose probe over plain HTTP
if env("CHAIN_RPC_URL", default="") and not env("CHAIN_SIGNER_KEY", default=""):
    raise ImproperlyConfigured("CHAIN_SIGNER_KEY must be set in production when CHAIN_RPC_URL is.")

# Investors and KYC (issue 4): personal data cannot be stored without an encryption key.
if not FIELD_ENCRYPTION_KEYS:  # noqa: F405
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set in production (Fernet keys, comma-separated).")

# Webhooks (issue 17): only https URLs whose every address is public (no SSRF), whatever the env says.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
