"""The configured ChainBackend (settings CHAIN_RPC_URL + CHAIN_SIGNER_KEY)."""

from __future__ import annotations

from django.conf import settings

from .port import ChainUnavailable
from .web3_backend import Web3Backend


def get_backend() -> Web3Backend:
    if not settings.CHAIN_RPC_URL:
        raise ChainUnavailable("CHAIN_RPC_URL is not set", code="not_configured")
    if not settings.CHAIN_SIGNER_KEY:
        raise ChainUnavailable("CHAIN_SIGNER_KEY is not set", code="not_configured")
    return Web3Backend(settings.CHAIN_RPC_URL, settings.CHAIN_SIGNER_KEY, timeout=settings.CHAIN_TIMEOUT_SECONDS)
