"""Loader for the compiled contract artifacts in ``platform/artifacts/`` (abi + bytecode)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "platform" / "artifacts"


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: tuple
    bytecode: str


@lru_cache(maxsize=8)
def load_artifacts(directory: str | Path = DEFAULT_DIR) -> dict[str, Artifact]:
    """All artifacts of ``directory`` by contract name (cached per directory)."""
    out: dict[str, Artifact] = {}
    for path in sorted(Path(directory).glob("*.json")):
        data = json.loads(path.read_text())
        out[data["contractName"]] = Artifact(data["contractName"], tuple(data["abi"]), data["bytecode"])
    if not out:
        raise FileNotFoundError(f"no contract artifacts in {directory}; run: node platform/tools/build.mjs")
    return out
