"""No module reaches into another package's private parts: a private module (`_name.py`) is
imported only from inside its own package, and a private name (`_name`) only from inside its
own app. (ledger/selectors.py and ledger/views.py imported ledger.services._core.)"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("core", "accounts", "notifications", "investors", "compliance", "issuance", "ledger", "cash", "servicing",
        "chain", "config", "tests", "bench")


def _private(segment: str) -> bool:
    return segment.startswith("_") and not segment.startswith("__")


def _module_of(path: Path) -> list[str]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imports(path: Path) -> list[tuple[int, list[str], list[str]]]:
    """(line, absolute module path, imported names) of each first-party import in the file."""
    here = _module_of(path)
    package = here if path.name == "__init__.py" else here[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = base + (node.module.split(".") if node.module else [])
            found.append((node.lineno, module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split("."), []) for alias in node.names]
    return [(line, module, names) for line, module, names in found if module and module[0] in APPS]


def _violations(path: Path) -> list[str]:
    here = _module_of(path)
    out = []
    for line, module, names in _imports(path):
        where = f"{path.relative_to(ROOT)}:{line}: {'.'.join(module)}"
        for i, segment in enumerate(module):
            if _private(segment) and here[:i] != module[:i]:
                out.append(f"{where} is private to {'.'.join(module[:i])}")
        private_names = [name for name in names if _private(name)]
        if private_names and here[0] != module[0]:
            out.append(f"{where} names {private_names}, private to {module[0]}")
    return out


def test_no_module_imports_another_packages_private_module_or_name():
    files = [p for app in APPS if (ROOT / app).is_dir() for p in (ROOT / app).rglob("*.py")]
    assert len(files) > 100
    violations = [v for path in sorted(files) for v in _violations(path)]
    assert violations == []


def test_the_check_sees_a_reach_into_a_private_module(tmp_path, monkeypatch):
    sample = ROOT / "ledger" / "selectors.py"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: (
        "from .services._core import facts_for\nfrom issuance.access import _deny\n"))
    assert _violations(sample) == [
        "ledger/selectors.py:1: ledger.services._core is private to ledger.services",
        "ledger/selectors.py:2: issuance.access names ['_deny'], private to issuance",
    ]
