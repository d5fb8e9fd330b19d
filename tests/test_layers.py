"""Apps depend one way (DESIGN.md "Layout"): a lower app never imports a higher one, at module
level or inside a function. An app's tests may use a higher app to build their world (a cash
test that drives the chain), so `tests/` folders are left out."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORDER = ("core", "accounts", "notifications", "investors", "compliance", "issuance", "ledger", "cash", "servicing",
         "chain", "webhooks")
RANK = {app: rank for rank, app in enumerate(ORDER)}


def _imported_apps(path: Path) -> set[tuple[int, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.lineno, node.module.split(".")[0]))
        elif isinstance(node, ast.Import):
            found.update((node.lineno, alias.name.split(".")[0]) for alias in node.names)
    return {(line, app) for line, app in found if app in RANK}


def test_no_app_imports_a_higher_one():
    wrong = []
    for app in ORDER:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or "tests" in path.parts:
                continue
            for line, imported in sorted(_imported_apps(path)):
                if RANK[imported] > RANK[app]:
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert wrong == []


def test_the_rule_sees_a_wrong_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from chain.models import Break\n", encoding="utf-8")
    assert _imported_apps(sample) == {(2, "chain")}


def test_every_app_is_collected():
    """pytest collects only `testpaths`: an app left out there has tests that never run (cash's did, once)."""
    import tomllib

    testpaths = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["testpaths"]
    assert [app for app in ORDER if app not in testpaths] == []
