"""/healthz check for the chain node (registered when CHAIN_RPC_URL is set)."""

from __future__ import annotations

import requests
from django.conf import settings


def chain_check() -> str | None:
    if not settings.CHAIN_RPC_URL:
        return "not_configured"
    response = requests.post(
        settings.CHAIN_RPC_URL, json={"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []},
        timeout=2,
    )
    response.raise_for_status()
    body = response.json()
    if "error" in body:
        raise RuntimeError(body["error"])
