"""The development node's configuration, ``platform/node/anvil.json``, as an anvil command line.

Read by ``chain.testing`` (pytest's anvil, profile ``test``), ``scripts/devchain.py`` (`make run`,
profile ``dev``) and ``bench/gas_bench.py`` (profile ``bench-gas``). Production does not use it:
docker-compose's anvil has its own arguments. No Django here, so scripts can import it.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANVIL_BIN = ROOT / "node_modules" / ".bin" / "anvil"
CONFIG = ROOT / "platform" / "node" / "anvil.json"
PATH_OPTIONS = frozenset({"state", "dump-state", "load-state", "config-out"})


def anvil_options(profile: str) -> dict[str, object]:
    """The options of ``profile``: the common ones, overridden by the profile's own."""
    config = json.loads(CONFIG.read_text())
    if profile not in config["profiles"]:
        raise KeyError(f"no anvil profile {profile!r} in {CONFIG}; have: {', '.join(config['profiles'])}")
    return {**config["common"], **config["profiles"][profile]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def anvil_command(profile: str, *, port: int | None = None) -> tuple[list[str], int]:
    """(argv, port) starting anvil with ``profile``'s options. ``port`` overrides the profile's;
    a port of 0 becomes a free one."""
    options = anvil_options(profile)
    options["port"] = port if port is not None else options["port"]
    if not options["port"]:
        options["port"] = free_port()
    argv = [str(ANVIL_BIN)]
    for name, value in options.items():
        if value is None or value is False:
            continue
        argv.append(f"--{name}")
        if value is not True:
            argv.append(str(ROOT / value) if name in PATH_OPTIONS else str(value))
    return argv, int(options["port"])
