"""The configured ChainBackend of each signer lane (settings CHAIN_RPC_URL, and
CHAIN_SIGNER_KEYS or CHAIN_SIGNER_KEY: chain/lanes.py)."""

from __future__ import annotations

import os
import threading

from django.conf import settings
from django.utils.translation import gettext as _

from .lanes import lane_keys
from .port import ChainBackend, ChainUnavailable
from .web3_backend import Web3Backend

_local = threading.local()


def get_backend(lane: int = 0) -> ChainBackend:
    """The backend signing with ``lane``'s key (lane 0: the only one unless CHAIN_SIGNER_KEYS
    is set), kept per process, thread and lane: building one costs ~2 ms of CPU (web3
    instance, key, ABI tables) plus a new HTTP connection and an eth_chainId call on first
    use, and a worker asks for it on every sweep. Its state is only caches of pure data
    (contract objects, chain id, error selectors), so reuse is safe; a setting change (tests'
    override_settings) gets new ones."""
    if not settings.CHAIN_RPC_URL:
        raise ChainUnavailable(_("%(setting)s is not set.") % {"setting": "CHAIN_RPC_URL"}, code="not_configured")
    keys = lane_keys()
    if not 0 <= lane < len(keys) or not keys[lane]:
        setting = f"CHAIN_SIGNER_KEYS[{lane}]" if lane or len(keys) > 1 else "CHAIN_SIGNER_KEY"
        raise ChainUnavailable(_("%(setting)s is not set.") % {"setting": setting}, code="not_configured")
    key = (os.getpid(), settings.CHAIN_RPC_URL, tuple(keys), settings.CHAIN_TIMEOUT_SECONDS)
    if getattr(_local, "key", None) != key:
        _local.backends = {}
        _local.key = key
    if lane not in _local.backends:
        _local.backends[lane] = Web3Backend(settings.CHAIN_RPC_URL, keys[lane], timeout=settings.CHAIN_TIMEOUT_SECONDS)
    return _local.backends[lane]
