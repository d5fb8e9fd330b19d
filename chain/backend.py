"""The configured ChainBackend (settings CHAIN_RPC_URL + CHAIN_SIGNER_KEY)."""

from __future__ import annotations

import os
import threading

from django.conf import settings
from django.utils.translation import gettext as _

from .port import ChainBackend, ChainUnavailable
from .web3_backend import Web3Backend

_local = threading.local()


def get_backend() -> ChainBackend:
    """The backend for the current settings, kept per process and thread: building one costs
    ~2 ms of CPU (web3 instance, key, ABI tables) plus a new HTTP connection and an
    eth_chainId call on first use, and a worker asks for it on every sweep. Its state is
    only caches of pure data (contract objects, chain id, error selectors), so reuse is safe;
    a setting change (tests' override_settings) gets a new one."""
    if not settings.CHAIN_RPC_URL:
        raise ChainUnavailable(_("%(setting)s is not set.") % {"setting": "CHAIN_RPC_URL"}, code="not_configured")
    if not settings.CHAIN_SIGNER_KEY:
        raise ChainUnavailable(_("%(setting)s is not set.") % {"setting": "CHAIN_SIGNER_KEY"}, code="not_configured")
    key = (os.getpid(), settings.CHAIN_RPC_URL, settings.CHAIN_SIGNER_KEY,
           settings.CHAIN_TIMEOUT_SECONDS)
    if getattr(_local, "key", None) != key:
        _local.backend = Web3Backend(settings.CHAIN_RPC_URL, settings.CHAIN_SIGNER_KEY,
                                     timeout=settings.CHAIN_TIMEOUT_SECONDS)
        _local.key = key
    return _local.backend
