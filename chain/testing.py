"""Pytest plugin: one anvil per test session, snapshot/revert per test.

Register with ``pytest_plugins = ["chain.testing"]`` in the root conftest (or ``-p chain.testing``).

Fixtures:
  * ``anvil`` (session): starts ``node_modules/.bin/anvil`` with the ``test`` profile of
    ``platform/node/anvil.json`` (a free 127.0.0.1 port), waits until it answers ``eth_chainId``
    (bounded poll loop), yields an :class:`Anvil` with the RPC URL and the funded dev keys,
    terminates it at the end of the session.
  * ``chain_snapshot`` (function): ``evm_snapshot`` before the test, ``evm_revert`` after.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from .node_config import anvil_command

#: The keys anvil derives from the mnemonic of platform/node/anvil.json, one per account of its
#: ``test`` profile (public test keys, never for real funds; chain/tests/test_node_config.py checks).
DEV_KEYS = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
)


@dataclass(frozen=True)
class Anvil:
    rpc_url: str
    keys: tuple[str, ...]

    def rpc(self, method: str, params: list | None = None):
        response = requests.post(self.rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": method,
                                                     "params": params or []}, timeout=10)
        body = response.json()
        if "error" in body:
            raise RuntimeError(f"{method}: {body['error']}")
        return body["result"]


def start_anvil(*, timeout: float = 30.0) -> tuple[subprocess.Popen, Anvil]:
    """Start anvil and return (process, Anvil) once it answers; raise if it does not."""
    argv, port = anvil_command("test")
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    node = Anvil(rpc_url=f"http://127.0.0.1:{port}", keys=DEV_KEYS)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"anvil exited with {proc.returncode}: {proc.stderr.read().decode()}")
        try:
            node.rpc("eth_chainId")
            return proc, node
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.05)
    stop_anvil(proc)
    raise RuntimeError(f"anvil did not answer eth_chainId within {timeout}s")


def stop_anvil(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@pytest.fixture(scope="session")
def anvil() -> Iterator[Anvil]:
    proc, node = start_anvil()
    try:
        yield node
    finally:
        stop_anvil(proc)


@pytest.fixture
def chain_snapshot(anvil: Anvil) -> Iterator[Anvil]:
    snapshot = anvil.rpc("evm_snapshot")
    try:
        yield anvil
    finally:
        anvil.rpc("evm_revert", [snapshot])
