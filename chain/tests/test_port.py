"""The chain port is the whole boundary: the web3 adapter implements every method of
ChainBackend with the same signature, and no code outside the adapter (chain/, bench/, tests/)
calls a backend method the port lacks. ChainTransaction status changes follow its map."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from chain.models import ChainTransaction
from chain.port import ChainBackend
from chain.web3_backend import Web3Backend

ROOT = Path(__file__).resolve().parents[2]
#: The adapter, and the tests of the adapter itself (they exercise its own surface).
ADAPTER = {"chain/web3_backend.py", "chain/tests/test_web3_backend.py", "chain/tests/test_web3_backend_batch_rpc.py"}
Status = ChainTransaction.Status


def _port_methods() -> list[str]:
    return sorted(name for name, value in vars(ChainBackend).items()
                  if callable(value) and not name.startswith("_"))


def _adapter_methods() -> set[str]:
    return {name for name, value in vars(Web3Backend).items() if callable(value)}


def test_the_web3_adapter_implements_every_port_method_with_the_same_signature():
    methods = _port_methods()
    assert len(methods) >= 30
    for name in methods:
        assert hasattr(Web3Backend, name), f"Web3Backend lacks {name}"
        assert inspect.signature(getattr(Web3Backend, name)) == inspect.signature(getattr(ChainBackend, name)), name
    assert "address" in ChainBackend.__annotations__


def _backend_like(node: ast.expr) -> bool:
    """Whether an expression is a backend: a name or attribute called ``...backend``, or a call
    of ``get_backend()``."""
    if isinstance(node, ast.Call):
        return _backend_like(node.func) or (isinstance(node.func, ast.Name) and node.func.id == "get_backend")
    if isinstance(node, ast.Name):
        return node.id.lower().endswith("backend")
    if isinstance(node, ast.Attribute):
        return node.attr.lower().endswith("backend")
    return False


def _calls_outside_the_adapter() -> dict[str, set[str]]:
    """{method name: files} of every ``<backend>.<method>(...)`` outside the adapter."""
    found: dict[str, set[str]] = {}
    for folder in ("chain", "bench", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative in ADAPTER:
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=relative)):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and _backend_like(node.func.value)):
                    found.setdefault(node.func.attr, set()).add(relative)
    return found


def test_nothing_outside_the_adapter_calls_a_backend_method_the_port_lacks():
    calls = _calls_outside_the_adapter()
    port = set(_port_methods())
    assert {"build_and_sign", "read", "balance_of"} <= set(calls)   # the scan sees the callers
    missing = {name: sorted(files) for name, files in calls.items()
               if name not in port and (name in _adapter_methods() or name.startswith("_"))}
    assert missing == {}


def test_the_scan_would_see_a_private_read():
    tree = ast.parse("backend._call('SecurityToken', token, 'paused')\nget_backend().mint(t, ref=r, to=w, amount=1)")
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
    assert [c.func.attr for c in calls if _backend_like(c.func.value)] == ["_call", "mint"]


def test_a_transaction_moves_only_along_its_map(db, backend, registry):
    from .conftest import new_wallet, prepare_only, put, register_wallet_payload

    entry = put("registry.register_wallet", register_wallet_payload(41, new_wallet()), "wallet:41:add")
    prepared = prepare_only(entry, backend)
    rows = ChainTransaction.objects.filter(pk=prepared.tx_id)

    assert rows.move(Status.BROADCAST) == 1
    assert rows.move(Status.MINED) == 1
    assert rows.move(Status.BROADCAST) == 1          # a reorg
    assert rows.move(Status.CONFIRMED) == 1
    assert rows.move(Status.BROADCAST) == 0          # CONFIRMED is final: the guarded filter skips it
    assert rows.move(Status.REPLACED) == 0
    tx = rows.get()
    assert tx.status == Status.CONFIRMED
    with pytest.raises(ValueError, match="cannot become"):
        tx.move_to(Status.MINED)
    with pytest.raises(ValueError, match="no transaction status leads to"):
        rows.move(Status.PREPARED)


def _imports(relative: str) -> tuple[set[str], list[int]]:
    """(modules a chain module imports, lines of imports inside functions)."""
    tree = ast.parse((ROOT / relative).read_text())
    modules = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    nested = [inner.lineno for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
              for inner in ast.walk(node) if isinstance(inner, ast.Import | ast.ImportFrom)]
    return modules, nested


def test_sending_is_shared_without_cycles_or_function_level_imports():
    graph = {name: _imports(f"chain/{name}.py") for name in ("sending", "batches", "relay", "confirmer", "scheduling")}
    for name, (_modules, nested) in graph.items():
        assert nested == [], f"chain/{name}.py imports inside a function (lines {nested})"
    assert "relay" not in graph["batches"][0] and "relay" not in graph["sending"][0]
    assert not {"relay", "batches", "confirmer", "scheduling"} & graph["sending"][0]
    assert {"sending", "batches"} <= graph["relay"][0] and "sending" in graph["confirmer"][0]
    assert "scheduling" not in graph["relay"][0] | graph["confirmer"][0]
