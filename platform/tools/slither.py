"""Slither over platform/src, offline, through the solcjs wrapper (`make slither`).

Fails (exit 1) on any high or medium finding in our sources; low and informational findings
and OpenZeppelin's own code are left out. A triaged false positive is silenced inline in the
source, `// slither-disable-next-line <detector>` with the reason beside it, never here.

Run with the Slither tool environment (.venv-slither, requirements-slither.txt: Slither pins
web3<8, the platform web3 8, so it cannot share .venv). Compilation: one solc standard-JSON
input holding every file of platform/src (test-only contracts in platform/test stay out)
with the compiler settings of tools/build.mjs, handed to `tools/solc` (npm solcjs answering
like solc). Slither's Foundry path is not used (it crashes on solcjs AST ids), nor solc-select.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "platform" / "src"
SOLC = ROOT / "platform" / "tools" / "solc"
SLITHER = Path(sys.executable).with_name("slither")
REMAPPINGS = ["@openzeppelin/=node_modules/@openzeppelin/"]


def build_settings() -> dict:
    """The optimizer/viaIR/EVM settings of tools/build.mjs (one source of truth)."""
    code = ("import('./platform/tools/build.mjs').then(m => "
            "process.stdout.write(JSON.stringify({...m.SETTINGS, outputSelection: undefined})))")
    out = subprocess.run(["node", "-e", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def standard_json_input() -> dict:
    sources = {str(p.relative_to(ROOT)): {"content": p.read_text()} for p in sorted(SRC.glob("*.sol"))}
    return {"language": "Solidity", "sources": sources, "settings": {**build_settings(), "remappings": REMAPPINGS}}


def main() -> int:
    if (ROOT / "slither.db.json").exists():
        print("slither.db.json would hide findings: triage inline in the source instead", file=sys.stderr)
        return 1
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="slither-input-") as f:
        json.dump(standard_json_input(), f)
        f.flush()
        result = subprocess.run(
            [str(SLITHER), f.name, "--compile-force-framework", "solc-json", "--solc", str(SOLC),
             "--exclude-dependencies", "--exclude-informational", "--exclude-low", "--exclude-optimization",
             "--fail-medium"],
            cwd=ROOT, check=False,
        )
    if result.returncode != 0:
        print(f"slither: high or medium findings (or a compile error) in platform/src, exit {result.returncode}",
              file=sys.stderr)
        return 1
    print("slither: no high or medium finding in platform/src")
    return 0


if __name__ == "__main__":
    sys.exit(main())
