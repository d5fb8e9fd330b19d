"""Development profile selected by `make run`: debug on, console e-mail, a fixed
development-only secret key, HTTP cookies."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-never-use-in-production")
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# The local anvil started by the Procfile (scripts/devchain.py, on ANVIL_PORT, 8545 by default)
# and its first dev account, a publicly known key that must never hold real funds. Setting
# ANVIL_PORT alone moves both the node and what the web and workers connect to.
CHAIN_RPC_URL = env("CHAIN_RPC_URL", default=f"http://127.0.0.1:{env.int('ANVIL_PORT', default=8545)}")
# Links in e-mails sent by the workers follow the port `make run` serves on (WEB_PORT).
ISSUANCE_SITE_URL = env("ISSUANCE_SITE_URL", default=f"http://127.0.0.1:{env.int('WEB_PORT', default=8000)}")
CHAIN_SIGNER_KEY = env("CHAIN_SIGNER_KEY", default="0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
CHAIN_CONFIRM_POLL_SECONDS = env.float("CHAIN_CONFIRM_POLL_SECONDS", default=0.1)   # anvil automines

# Serve static files straight from the finders (no collectstatic in development and tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# Investors and KYC (issue 4): a fixed development-only encryption key for personal data.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=["ZGV2LW9ubHktZmllbGQta2V5LW5ldmVyLXByb2QhISE="])

# Webhooks (issue 17): receivers on this machine (http://127.0.0.1:...) may be registered.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=True)
