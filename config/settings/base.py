"""Settings shared by every profile. Everything that differs between machines comes from
the environment (12-factor); `.var/services.env`, written by scripts/devservices.py,
fills DATABASE_URL/REDIS_URL for the embedded servers when they are not set."""

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from config import celery_routes

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# read_env never overrides variables already set in the environment.
if (BASE_DIR / ".var" / "services.env").exists():
    environ.Env.read_env(str(BASE_DIR / ".var" / "services.env"))

SECRET_KEY = env("SECRET_KEY", default=None)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "accounts.admin_config.AdminConfig",  # django.contrib.admin behind 2FA and the throttled sign-in
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "accounts",
    "notifications",
    "investors",
    "compliance",
    "issuance",
    "ledger",
    "cash",
    "servicing",
    "chain",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.upload_limits.UploadLimitMiddleware",  # before CSRF, which reads page bodies
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.RequestIdMiddleware",
    "core.middleware.ApplicationErrorMiddleware",
    "accounts.middleware.RequireTwoFactorMiddleware",
    "core.db.PrimaryAfterWriteMiddleware",  # read your own writes when a read replica is configured
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation_items",
                "notifications.context_processors.notifications_unread",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default="postgresql://postgres:@localhost:5432/shoken")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A streaming read replica (issue 16), optional: reads that may lag opt in with core.db.replica_reads()
# and config/db_router.py sends them there; writes and every other read use "default". Tests mirror
# it onto the test database (no second test database is created).
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"].update(ATOMIC_REQUESTS=False, CONN_MAX_AGE=DATABASES["default"]["CONN_MAX_AGE"],
                                CONN_HEALTH_CHECKS=True, TEST={"MIRROR": "default"})
DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
# After a person's write request, their opted-in reads stay on the primary this long (read your own
# writes; the replica may not have the write yet). Above the replica's usual lag.
DATABASE_REPLICA_STICKY_SECONDS = env.float("DATABASE_REPLICA_STICKY_SECONDS", default=10.0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://localhost:6379/0")


def _celery_url(url: str) -> str:
    """kombu spells a redis unix socket `redis+socket://`; redis-py spells it `unix://`."""
    return "redis+socket://" + url.removeprefix("unix://") if url.startswith("unix://") else url


def redis_db(url: str, db: int) -> str:
    """The same Redis server, another logical database (the cache must never share the
    broker's database: clearing the cache would wipe queued tasks)."""
    if url.startswith("unix://"):
        return f"{url.split('?', 1)[0]}?db={db}"
    base, _, _ = url.rpartition("/") if url.count("/") > 2 else (url, "", "")
    return f"{base}/{db}"


CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": redis_db(REDIS_URL, env.int("CACHE_REDIS_DB", default=1)),
        "KEY_PREFIX": "shoken",
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)

# Login throttling (accounts/throttle.py), failures per window: an (account, address) pair;
# an account from addresses that never signed in to it; an address over all accounts, except
# for accounts that signed in from it before (known for LOGIN_THROTTLE_KNOWN_ADDRESS_DAYS).
LOGIN_THROTTLE_MAX_FAILURES = env.int("LOGIN_THROTTLE_MAX_FAILURES", default=5)
LOGIN_THROTTLE_ACCOUNT_MAX_FAILURES = env.int("LOGIN_THROTTLE_ACCOUNT_MAX_FAILURES", default=20)
LOGIN_THROTTLE_ADDRESS_MAX_FAILURES = env.int("LOGIN_THROTTLE_ADDRESS_MAX_FAILURES", default=100)
LOGIN_THROTTLE_KNOWN_ADDRESS_DAYS = env.int("LOGIN_THROTTLE_KNOWN_ADDRESS_DAYS", default=90)
LOGIN_THROTTLE_WINDOW_SECONDS = env.int("LOGIN_THROTTLE_WINDOW_SECONDS", default=15 * 60)
# Password-reset mails per e-mail address and per client address in the window; beyond,
# none is sent and the page answers the same.
PASSWORD_RESET_MAX_PER_EMAIL = env.int("PASSWORD_RESET_MAX_PER_EMAIL", default=3)
PASSWORD_RESET_MAX_PER_ADDRESS = env.int("PASSWORD_RESET_MAX_PER_ADDRESS", default=20)
PASSWORD_RESET_WINDOW_SECONDS = env.int("PASSWORD_RESET_WINDOW_SECONDS", default=60 * 60)

OTP_TOTP_ISSUER = "Shoken"

# API tokens (django-rest-knox, accounts/credentials.py): one per device, stored as a digest,
# valid for API_TOKEN_TTL_HOURS; "Authorization: Token <key>" as before.
KNOX_TOKEN_MODEL = "accounts.ApiToken"
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=24 * 30)
API_TOKEN_MAX_PER_USER = env.int("API_TOKEN_MAX_PER_USER", default=10)
# knox's own AuthToken is swapped out for ours, but its migrations would still create an
# unused knox_authtoken table with a foreign key to accounts_user, which makes every flush of
# the user table (TransactionTestCase, live-server tests) fail. Its migrations are not run.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
# Browser sessions in the database with their user (accounts/sessions.py), so a role change,
# a password reset, a 2FA reset or "sign out everywhere" ends all of a person's sessions.
SESSION_ENGINE = "accounts.sessions"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ja", _("Japanese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Pages print instants in this zone with its abbreviation (core/chain_display.py format_instant).
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / ".var" / "media")

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Shoken <no-reply@shoken.invalid>")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "knox.auth.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.permissions.TwoFactorSatisfied",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",  # documents the shared error answers (core/schema.py)
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # The API takes what its schema documents: JSON objects (core.parsers.JSONObjectParser);
    # the two upload views declare MultiPartParser themselves. A form body is a 415.
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONObjectParser"],
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": "600/min"},
}
# Idempotency-Key on API writes (core/idempotency.py): a key's first answer is replayed this long,
# then the key is free again; beat purges expired keys.
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)
# The stored answers are encrypted with this module's encrypt/decrypt (a dotted path; "" = stored as
# they are): the personal data's own keys, FIELD_ENCRYPTION_KEYS, since an answer may carry some.
IDEMPOTENCY_CIPHER = env("IDEMPOTENCY_CIPHER", default="investors.fields")
SPECTACULAR_SETTINGS = {
    "TITLE": "Shoken API",
    "DESCRIPTION": "Security-token issuance platform: register first, chain as its mirror.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Request bodies get their own components (minLength 1 where blank is refused, binary files).
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.schema.add_links"],
    # One name for a choice set several components share (else drf-spectacular names it by a hash).
    "ENUM_NAME_OVERRIDES": {"EntitlementLineStatusEnum": "servicing.models.EntitlementLine.Status",
                            "CorporateActionKindEnum": "servicing.models.CorporateAction.Kind",
                            "DeclarableKindEnum": "servicing.api.DECLARABLE_KINDS",
                            "WebhookEndpointStatusEnum": "webhooks.models.WebhookEndpoint.Status",
                            "WebhookDeliveryStatusEnum": "webhooks.models.WebhookDelivery.Status",
                            "EventTypeEnum": "core.events.EventType"},
}

CELERY_BROKER_URL = _celery_url(env("CELERY_BROKER_URL", default=REDIS_URL))
CELERY_RESULT_BACKEND = _celery_url(env("CELERY_RESULT_BACKEND", default=REDIS_URL))
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queues by kind of work: relay sweeps per signer lane, confirming, indexing, reconciling, payments,
# e-mail, the rest on "celery" (config/celery_routes.py). A queue named by the sender wins. Time
# limits and the broker's visibility timeout: end of this file.
CELERY_TASK_ROUTES = celery_routes.ROUTES
CELERY_TASK_DEFAULT_QUEUE = celery_routes.DEFAULT_QUEUE
# Celery's Django fixup closes every database connection before and after each task unless
# this is set (then only every 2 x this many task signals). A new connection per task cost
# the relay and confirmer a PostgreSQL backend start and cold catalog caches per sweep; so
# workers keep connections the way web requests do (CONN_MAX_AGE, CONN_HEALTH_CHECKS:
# core.context.connect_celery_signals closes unusable or expired ones around each task).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=5000)
CELERY_BEAT_SCHEDULE: dict = {}
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / ".var" / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE["core.idempotency_purge"] = {  # expired Idempotency-Keys (IDEMPOTENCY_KEY_TTL_HOURS)
    "task": "core.idempotency_purge", "schedule": env.int("IDEMPOTENCY_PURGE_SECONDS", default=60 * 60)}

# After a commit that wrote outbox rows, core/outbox.py calls this (a dotted path; core never
# imports chain): chain/scheduling.py's relay kick. Empty: no call.
OUTBOX_AFTER_COMMIT = env("OUTBOX_AFTER_COMMIT", default="chain.scheduling.relay_kick")
# After a commit that wrote events (core/events.py), the hook that asks a worker to fan them
# out to webhook endpoints (a dotted path; empty: wait for the periodic sweep).
EVENTS_AFTER_COMMIT = env("EVENTS_AFTER_COMMIT", default="webhooks.tasks.fan_out_kick")
# The relay kick sends this Celery task so the relay runs at once (empty: wait for beat's
# periodic sweep).
OUTBOX_KICK_TASK = env("OUTBOX_KICK_TASK", default="chain.relay_sweep")
OUTBOX_KICK_QUEUE = env("OUTBOX_KICK_QUEUE", default="")
# A kick is skipped while an earlier one's sweep is still queued (not started); the flag
# expires after this many seconds in case that sweep is lost. 0 = one kick per committed row.
OUTBOX_KICK_DEDUP_SECONDS = env.float("OUTBOX_KICK_DEDUP_SECONDS", default=2.0)
# The kicked sweep starts this much later, so the rows committed in that moment go out in one
# sweep (one estimate/send round trip, one prepare transaction) instead of one sweep each.
OUTBOX_KICK_DELAY_SECONDS = env.float("OUTBOX_KICK_DELAY_SECONDS", default=0.05)
# The signer lane of a new outbox row (a dotted path called with (kind, payload); core never
# imports chain). Empty: lane 0.
OUTBOX_LANE_OF = env("OUTBOX_LANE_OF", default="chain.lanes.lane_for")

CHAIN_RPC_URL = env("CHAIN_RPC_URL", default="")
CHAIN_SIGNER_KEY = env("CHAIN_SIGNER_KEY", default="")  # the platform's agent key (hex)
# Signer lanes (chain/lanes.py): several agent keys, comma-separated hex, each with its own nonce
# sequence; lane k signs with CHAIN_SIGNER_KEYS[k]. Each security's token, the registry and the DvP
# contract are assigned to one lane for good. Empty: one lane, signing with CHAIN_SIGNER_KEY. The
# first key deploys the shared contracts (chain_deploy): make it CHAIN_SIGNER_KEY; only append keys.
CHAIN_SIGNER_KEYS = env.list("CHAIN_SIGNER_KEYS", default=[])
CHAIN_CONFIRMATIONS = env.int("CHAIN_CONFIRMATIONS", default=0)
# A block explorer (e.g. "https://etherscan.io"): pages link hashes to <url>/tx/<hash> and
# addresses to <url>/address/<address> (core/chain_display.py). Blank: no links (a local node).
CHAIN_EXPLORER_URL = env("CHAIN_EXPLORER_URL", default="")
CHAIN_TIMEOUT_SECONDS = env.float("CHAIN_TIMEOUT_SECONDS", default=10.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- Investors and KYC (issue 4) -------------------------------------------------------
# Personal data (identity numbers, dates of birth, addresses, beneficial owners) is
# encrypted at rest with Fernet (investors/fields.py). FIELD_ENCRYPTION_KEYS is a
# comma-separated list of Fernet keys: the first encrypts, all decrypt (rotation: put the
# new key first, run `manage.py kyc_reencrypt`, then drop the old one). Generate a key with
#   python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
# dev/test give a fixed non-production key; production refuses to start without one.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
# KYC documents live under MEDIA_ROOT/kyc/ (outside the web root: no URL serves MEDIA_ROOT),
# encrypted with the same keys (investors/filecrypt.py; kyc_reencrypt rotates them too);
# only the document download page and API send them, decrypted, after a permission check.
KYC_DOCUMENT_MAX_BYTES = env.int("KYC_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
# Uploads up to this size stay in memory; larger ones are spooled to a temporary file first.
# Above the KYC limit, so an accepted KYC document never touches the disk in plaintext (it
# is encrypted before it is written).
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=KYC_DOCUMENT_MAX_BYTES + 64 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
# Files in one request, for views that declare no limit of their own (core/upload_limits.py:
# refused by Content-Length before reading, 413). The largest document limit (issuer and
# offering documents, 20 MB); KYC uploads declare KYC_DOCUMENT_MAX_BYTES. The reverse proxy
# must bound bodies too (README, production: nginx client_max_body_size).
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o600
# Wallet ownership challenges (EIP-191 personal_sign): lifetime in seconds.
WALLET_CHALLENGE_TTL_SECONDS = env.int("WALLET_CHALLENGE_TTL_SECONDS", default=600)
# Where the keys of platform-custodied wallets live (investors/custody.py: the CustodySigner
# port). The default keeps each key Fernet-encrypted in Wallet.custody_key under
# FIELD_ENCRYPTION_KEYS; production may name an HSM/KMS adapter with the same two methods.
CUSTODY_SIGNER = env("CUSTODY_SIGNER", default="investors.custody.KeyRingSigner")
# Countries whose residents or nationals make a KYC case high-risk (four eyes).
COMPLIANCE_HIGH_RISK_COUNTRIES = env.list("COMPLIANCE_HIGH_RISK_COUNTRIES", default=["KP", "IR", "MM"])
# Days a KYC approval lasts when the officer does not set an expiry.
KYC_DEFAULT_VALIDITY_DAYS = env.int("KYC_DEFAULT_VALIDITY_DAYS", default=365)
CELERY_BEAT_SCHEDULE["compliance.expire_kyc"] = {
    "task": "compliance.expire_kyc",
    "schedule": env.int("KYC_EXPIRY_SWEEP_SECONDS", default=60 * 60),
}
# --- notifications (issue 15): e-mails a large fan-out or a failed send left unsent ---
CELERY_BEAT_SCHEDULE["notifications.send_pending"] = {
    "task": "notifications.send_pending",
    "schedule": env.int("NOTIFICATIONS_SWEEP_SECONDS", default=30),
}

# --- webhooks (issue 17, webhooks/): signed deliveries of core.Event rows to registered endpoints ---
# Private targets (loopback, private, link-local, CGNAT, reserved; http://) are refused unless this
# is on (dev and test turn it on for receivers on 127.0.0.1; production never should).
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=False)
# Seconds to wait before each retry of a failed delivery; one attempt more than delays, then it fails.
WEBHOOK_RETRY_DELAYS = env.list("WEBHOOK_RETRY_DELAYS", cast=float, default=[10, 60, 300, 1800, 7200, 21600])
WEBHOOK_CONNECT_TIMEOUT_SECONDS = env.float("WEBHOOK_CONNECT_TIMEOUT_SECONDS", default=3.0)
WEBHOOK_READ_TIMEOUT_SECONDS = env.float("WEBHOOK_READ_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_RESPONSE_EXCERPT_BYTES = env.int("WEBHOOK_RESPONSE_EXCERPT_BYTES", default=1024)
# After a rotation the previous secret signs too (a second v1) for this long.
WEBHOOK_SECRET_OVERLAP_SECONDS = env.int("WEBHOOK_SECRET_OVERLAP_SECONDS", default=24 * 60 * 60)
# A retry this soon is sent as a Celery countdown; a later one waits for the sweep (a message held
# past the broker's visibility timeout would be handed to a second worker).
WEBHOOK_COUNTDOWN_MAX_SECONDS = env.float("WEBHOOK_COUNTDOWN_MAX_SECONDS", default=600.0)
WEBHOOK_SWEEP_SECONDS = env.float("WEBHOOK_SWEEP_SECONDS", default=30.0)
WEBHOOK_SWEEP_BATCH = env.int("WEBHOOK_SWEEP_BATCH", default=50)
# The queue the after-commit fan-out kick goes to ("" = the routes: webhooks.deliver).
WEBHOOK_KICK_QUEUE = env("WEBHOOK_KICK_QUEUE", default="")
# CA bundle for https receivers ("" = the system's).
WEBHOOK_CA_BUNDLE = env("WEBHOOK_CA_BUNDLE", default="")
CELERY_BEAT_SCHEDULE["webhooks.sweep"] = {"task": "webhooks.sweep", "schedule": WEBHOOK_SWEEP_SECONDS}

# --- issuance (issue 5) ----------------------------------------------------------------
# Offering and KYB documents are stored here, outside the web root, and served only
# through permission-checked views. ISSUANCE_SITE_URL prefixes the set-password link in
# member invitations sent outside a request (e.g. "https://shoken.example").
ISSUANCE_DOCUMENT_ROOT = env.path("ISSUANCE_DOCUMENT_ROOT", default=BASE_DIR / ".var" / "private" / "issuance")
ISSUANCE_SITE_URL = env("ISSUANCE_SITE_URL", default="http://127.0.0.1:8000")

# --- The chain mirror: relay and confirmer (issue 6, chain/relay.py, chain/confirmer.py) ---
# Beat sweeps both every few seconds; the relay also kicks a confirm sweep after sending.
# entries claimed per sweep (default below)
CHAIN_RELAY_BATCH_SIZE = env.int("CHAIN_RELAY_BATCH_SIZE", default=None)
CHAIN_CONFIRM_BATCH_SIZE = env.int("CHAIN_CONFIRM_BATCH_SIZE", default=500)   # live txs followed per sweep
CHAIN_CLAIM_LEASE_SECONDS = env.float("CHAIN_CLAIM_LEASE_SECONDS", default=30.0)  # other workers skip a claimed entry
# re-look at an action waiting for a deploy/earlier action
CHAIN_WAIT_SECONDS = env.float("CHAIN_WAIT_SECONDS", default=2.0)
CHAIN_MAX_ATTEMPTS = env.int("CHAIN_MAX_ATTEMPTS", default=10)     # temporary failures before the dead letter
CHAIN_RETRY_BASE_SECONDS = env.float("CHAIN_RETRY_BASE_SECONDS", default=2.0)   # backoff base (x2 per attempt, jitter)
CHAIN_RETRY_MAX_SECONDS = env.float("CHAIN_RETRY_MAX_SECONDS", default=300.0)
CHAIN_REBROADCAST_AFTER_SECONDS = env.float("CHAIN_REBROADCAST_AFTER_SECONDS", default=3.0)  # PREPARED left by a crash
CHAIN_STUCK_AFTER_SECONDS = env.float("CHAIN_STUCK_AFTER_SECONDS", default=60.0)  # unmined this long -> fee bump
CHAIN_FEE_BUMP_PERCENT = env.float("CHAIN_FEE_BUMP_PERCENT", default=12.5)        # never below 12.5
# DEFAULT_ADMIN_ROLE of new tokens (a multisig); the signer if empty
CHAIN_TOKEN_ADMIN = env("CHAIN_TOKEN_ADMIN", default="")
CHAIN_SWEEP_SECONDS = env.float("CHAIN_SWEEP_SECONDS", default=2.0)
# A confirm sweep that leaves transactions unmined schedules one follow-up this much later
# (about a block time; anvil's automine mines within milliseconds: dev sets 0.1).
CHAIN_CONFIRM_POLL_SECONDS = env.float("CHAIN_CONFIRM_POLL_SECONDS", default=1.0)
# A relay task keeps sweeping while its sweeps claim something, for up to this long; a confirm
# task keeps sweeping every CHAIN_CONFIRM_POLL_SECONDS while transactions are live, for up to
# CHAIN_CONFIRM_TASK_SECONDS (chain/scheduling.py). A steady flow of actions is then carried by one
# looping task of each kind instead of a task message per sweep.
CHAIN_RELAY_TASK_SECONDS = env.float("CHAIN_RELAY_TASK_SECONDS", default=5.0)
# A looping relay task's pause after a sweep that claimed less than a full batch, so the commits
# of that moment go out together (chain/scheduling.py gather_pause). 0 (default): none, for a
# node that mines at once (anvil automine); on a chain with blocks every few seconds, a fraction
# of the block time saves each signer lane's sweeps without delaying any block.
CHAIN_RELAY_GATHER_SECONDS = env.float("CHAIN_RELAY_GATHER_SECONDS", default=0.0)
CHAIN_CONFIRM_TASK_SECONDS = env.float("CHAIN_CONFIRM_TASK_SECONDS", default=2.0)
# relay tasks running at once (chain/scheduling.py)
CHAIN_RELAY_CONCURRENCY = env.int("CHAIN_RELAY_CONCURRENCY", default=1)
CELERY_BEAT_SCHEDULE["chain.relay_sweep"] = {"task": "chain.relay_sweep", "schedule": CHAIN_SWEEP_SECONDS}
CELERY_BEAT_SCHEDULE["chain.confirm_sweep"] = {"task": "chain.confirm_sweep", "schedule": CHAIN_SWEEP_SECONDS}

# ---- chain mirror: batching, indexer, reconciler (issue 6; owned by chain/) ----
CHAIN_BATCH_MINTS = env.bool("CHAIN_BATCH_MINTS", default=True)         # consecutive mints of a token -> one batchMint
# cap per batch: 200 new holders sign for 7.0M gas
CHAIN_BATCH_MAX_MINTS = env.int("CHAIN_BATCH_MAX_MINTS", default=200)
if CHAIN_RELAY_BATCH_SIZE is None:
    # A sweep claims enough for a full batch of each of a few tokens whose mints interleave (bulk
    # issuance is not cut into small batches); single actions are estimated, prepared and
    # broadcast a group at a time, 100 a sweep.
    CHAIN_RELAY_BATCH_SIZE = 4 * CHAIN_BATCH_MAX_MINTS if CHAIN_BATCH_MINTS else 100
CHAIN_REORG_DEPTH = env.int("CHAIN_REORG_DEPTH", default=12)            # blocks the indexer re-reads each pass
CHAIN_INDEX_WINDOW = env.int("CHAIN_INDEX_WINDOW", default=2000)        # blocks per eth_getLogs window
CHAIN_INDEX_MAX_BLOCKS = env.int("CHAIN_INDEX_MAX_BLOCKS", default=20000)  # blocks per contract per pass (bounded work)
CHAIN_INDEX_SECONDS = env.float("CHAIN_INDEX_SECONDS", default=10.0)
# Reconciliation (chain/reconciler.py): an incremental run (wallets touched since the last run's
# block) every CHAIN_RECONCILE_SECONDS, a full run (every wallet) every CHAIN_RECONCILE_FULL_SECONDS.
CHAIN_RECONCILE_SECONDS = env.float("CHAIN_RECONCILE_SECONDS", default=300.0)
CHAIN_RECONCILE_FULL_SECONDS = env.float("CHAIN_RECONCILE_FULL_SECONDS", default=3600.0)
CELERY_BEAT_SCHEDULE["chain.index_sweep"] = {"task": "chain.index_sweep", "schedule": CHAIN_INDEX_SECONDS}
CELERY_BEAT_SCHEDULE["chain.reconcile"] = {"task": "chain.reconcile", "schedule": CHAIN_RECONCILE_SECONDS,
                                           "kwargs": {"mode": "incremental"}}
CELERY_BEAT_SCHEDULE["chain.reconcile_full"] = {"task": "chain.reconcile", "schedule": CHAIN_RECONCILE_FULL_SECONDS,
                                                "kwargs": {"mode": "full"}}

# --- ledger: the register (issue 6) ------------------------------------------------------
# Each night just after midnight, keep yesterday's cap table of every security as a
# snapshot (ledger.snapshots), so as-of cap tables read one row instead of replaying.
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE["ledger.snapshot_sweep"] = {"task": "ledger.snapshot_sweep", "schedule": crontab(hour=0, minute=5)}

# --- ledger: delivery versus payment and the board (issue 13, ledger/services/settlement.py) ---
# Where the Settlement contract's EIP-712 domain and token addresses come from (chain/, reached
# through settings only).
SETTLEMENT_TERMS = env("SETTLEMENT_TERMS", default="chain.selectors.settlement_terms")
# A subscription paid by DvP must be authorized within this many seconds (the deadline the
# investor signs, checked against block time on chain).
SETTLEMENT_AUTHORIZATION_SECONDS = env.int("SETTLEMENT_AUTHORIZATION_SECONDS", default=15 * 60)
# No settlement is submitted (nor an offer accepted) this close to its deadline: the relay needs
# the time to reach the chain.
SETTLEMENT_SUBMIT_MARGIN_SECONDS = env.int("SETTLEMENT_SUBMIT_MARGIN_SECONDS", default=30)
# The longest an offer may stay on the board.
BOARD_OFFER_MAX_SECONDS = env.int("BOARD_OFFER_MAX_SECONDS", default=30 * 24 * 3600)
CELERY_BEAT_SCHEDULE["ledger.offers_expire"] = {
    "task": "ledger.offers_expire", "schedule": env.float("BOARD_EXPIRY_SWEEP_SECONDS", default=60.0)}

# --- cash: the trust bank's cash tokens (issue 13; owned by cash/) -----------------------
CASH_TRUST_BANK_NAME = env("CASH_TRUST_BANK_NAME", default="Shoken Trust Bank")
# A deposit above this amount (per currency, in the currency's units) is minted only when a
# second cash agent approves it.
CASH_DEPOSIT_APPROVAL_LIMIT = env.dict("CASH_DEPOSIT_APPROVAL_LIMIT", default={"JPY": "1000000", "USD": "10000"})
# The segregated trust account that receives deposits, as shown in the transfer instructions.
CASH_TRUST_BANK_ACCOUNTS = env.dict("CASH_TRUST_BANK_ACCOUNTS", default={
    "JPY": "Shoken Trust Bank, Marunouchi branch, trust account 7001234",
    "USD": "Shoken Trust Bank, New York branch, trust account 9005678",
})

# --- servicing: the paying agent (issue 14; servicing/) -------------------------------------
# The chain reads of the record close (servicing/record.py: the RecordReader port; chain/
# implements it). Tests name a fake.
SERVICING_RECORD_READER = env("SERVICING_RECORD_READER", default="chain.record_reader.ChainRecordReader")
# Entitlement lines per payment batch (one chain transaction: batchPay / batchBurn). 200 holders
# paid by batchPay cost ~5.5M gas when none held the cash token yet (a fresh word each, ~27k),
# far under a 30M block; the outbox payload takes at most 1000.
SERVICING_BATCH_SIZE = env.int("SERVICING_BATCH_SIZE", default=200)
# Withholding on coupons, dividends and distributions (servicing/withholding.py), in percent.
# First key: the source country (the issuer's jurisdiction: whose tax is withheld); "*" is used
# for a source not listed. Rows: (tax residence, "individual" | "corporate", "interest" |
# "dividend" | "distribution"), "*" matching any; the most specific row wins, in the order
# residence, kind, income. An investor without a profile gets the ("*", "*", "*") row, the
# highest of its table. An investor's TaxProfile (exempt, treaty rate) overrides every row.
# Withheld = income x rate rounded DOWN to the minor unit (never over-withhold).
_JP_WITHHOLDING = {
    # Resident individuals, interest on bonds: 15.315% national (15% income tax + the 2.1%
    # special reconstruction income tax on it, 2013-2037) + 5% local inhabitant tax (利子割)
    # = 20.315%, separate taxation at source. NTA Tax Answer No. 1310 "利子所得".
    ("JP", "individual", "interest"): "20.315",
    # Resident individuals, dividends of listed shares: 15.315% + 5% (配当割) = 20.315%. NTA Tax
    # Answer No. 1330 "配当所得". (Dividends of UNLISTED shares are withheld at 20.42%, income
    # tax only: an issuer of unlisted shares should set that row.)
    ("JP", "individual", "dividend"): "20.315",
    # Resident individuals, distributions of publicly offered investment trusts: as listed
    # dividends, 20.315% (NTA Tax Answer No. 1330).
    ("JP", "individual", "distribution"): "20.315",
    # Resident corporations: 15.315% national only; the local 利子割 on corporations' interest was
    # abolished from 1 January 2016 (2013 tax reform) and 配当割 applies to individuals only.
    ("JP", "corporate", "*"): "15.315",
    # Non-residents (individual or corporate), interest on Japanese bonds: 15% under Income Tax
    # Act arts. 212 and 213 + 2.1% reconstruction tax = 15.315% (treaty rates via TaxProfile).
    ("*", "*", "interest"): "15.315",
    # Non-residents, dividends and distributions: 15.315% for listed shares (Act on Special
    # Measures Concerning Taxation art. 9-3), 20.42% otherwise (ITA art. 213): the higher.
    ("*", "*", "dividend"): "20.42",
    ("*", "*", "distribution"): "20.42",
    # Unknown residence or kind (no investor profile): the highest rate of this table.
    ("*", "*", "*"): "20.42",
}
WITHHOLDING_RATES = {
    "JP": _JP_WITHHOLDING,
    "US": {
        # US persons: nothing withheld; interest and dividends are reported (Forms 1099-INT/DIV).
        # Backup withholding (24%, IRC section 3406) for a missing or wrong TIN is not modelled.
        ("US", "*", "*"): "0",
        # Non-US persons: 30% on US-source dividends (IRC sections 1441 for individuals and 1442
        # for corporations; treaty rates via TaxProfile).
        ("*", "*", "dividend"): "30",
        ("*", "*", "distribution"): "30",
        # Interest on registered bonds is portfolio interest, exempt for non-US persons
        # (IRC sections 871(h) and 881(c)) with a W-8BEN on file.
        ("*", "*", "interest"): "0",
        ("*", "*", "*"): "30",
    },
    "*": _JP_WITHHOLDING,
}
# The payment run (servicing/services/payments.py, sweep.py): the scheduled sweep pays what the
# business date makes due; after a failed batch its lines wait this long before a new batch.
SERVICING_SWEEP_SECONDS = env.float("SERVICING_SWEEP_SECONDS", default=60.0)
SERVICING_RETRY_SECONDS = env.float("SERVICING_RETRY_SECONDS", default=300.0)
CELERY_BEAT_SCHEDULE["servicing.sweep"] = {"task": "servicing.sweep", "schedule": SERVICING_SWEEP_SECONDS}
# When an operator moves the business date (core/clock.py), this Celery task is sent after the
# commit, so what became due is paid at once (a task name: core never imports servicing; "" =
# wait for beat).
BUSINESS_DATE_CHANGED_TASK = env("BUSINESS_DATE_CHANGED_TASK", default="servicing.sweep")

# --- Celery time limits and the broker's visibility timeout (issue 16) --------------------------
# Every task has a hard time limit (the worker kills it past that) and a soft one at 90% (the task
# gets SoftTimeLimitExceeded first, so its finally blocks release locks). Tasks are acknowledged
# late (after they ran); Redis hands a message nobody acknowledged within the visibility timeout to
# another worker, so the timeout is above the longest limit (tests/scale/test_celery_routes.py),
# else a task still running would run twice. A relay or confirm task loops for its *_TASK_SECONDS,
# then finishes its last sweep, which CHAIN_SWEEP_LIMIT_SECONDS bounds.
CHAIN_SWEEP_LIMIT_SECONDS = env.float("CHAIN_SWEEP_LIMIT_SECONDS", default=120.0)
CELERY_TASK_LIMITS = {
    "chain.relay_sweep": CHAIN_RELAY_TASK_SECONDS + CHAIN_RELAY_GATHER_SECONDS + CHAIN_SWEEP_LIMIT_SECONDS,
    "chain.confirm_sweep": CHAIN_CONFIRM_TASK_SECONDS + CHAIN_SWEEP_LIMIT_SECONDS,
    "chain.index_sweep": env.float("CHAIN_INDEX_LIMIT_SECONDS", default=600.0),
    "chain.reconcile": env.float("CHAIN_RECONCILE_LIMIT_SECONDS", default=1800.0),
    "servicing.sweep": env.float("SERVICING_SWEEP_LIMIT_SECONDS", default=1800.0),
}
CELERY_TASK_TIME_LIMIT = env.float("CELERY_TASK_TIME_LIMIT", default=1800.0)   # every other task
CELERY_TASK_SOFT_TIME_LIMIT = 0.9 * CELERY_TASK_TIME_LIMIT
CELERY_TASK_ANNOTATIONS = {name: {"time_limit": limit, "soft_time_limit": 0.9 * limit}
                           for name, limit in CELERY_TASK_LIMITS.items()}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(max(CELERY_TASK_TIME_LIMIT, *CELERY_TASK_LIMITS.values())) + 300}
