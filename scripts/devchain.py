"""The local chain for `make run` (Procfile `chain`): anvil from npm with the `dev` profile of
platform/node/anvil.json (port 8545 unless ANVIL_PORT, state in .var/anvil/), then
`manage.py chain_deploy` so the investor registry exists.

anvil writes --state on clean shutdown (SIGTERM) and every --state-interval seconds, so a
crash loses at most that much; chain_deploy redeploys when the recorded registry has no code.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from chain.node_config import anvil_command, anvil_options  # noqa: E402 (importable once ROOT is on the path)

OPTIONS = anvil_options("dev")
STATE = ROOT / str(OPTIONS["state"])
PORT = int(os.environ.get("ANVIL_PORT", str(OPTIONS["port"])))


def _ready() -> bool:
    try:
        requests.post(f"http://127.0.0.1:{PORT}", json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}, timeout=1)
    except requests.RequestException:
        return False
    return True


def main() -> int:
    STATE.parent.mkdir(parents=True, exist_ok=True)
    anvil = subprocess.Popen(anvil_command("dev", port=PORT)[0])
    signal.signal(signal.SIGTERM, lambda *_: anvil.terminate())
    signal.signal(signal.SIGINT, lambda *_: anvil.terminate())
    deadline = time.monotonic() + 30
    while not _ready():
        if anvil.poll() is not None or time.monotonic() > deadline:
            print("devchain: anvil did not start", file=sys.stderr)
            anvil.terminate()
            return 1
        time.sleep(0.1)
    print(f"devchain: anvil on http://127.0.0.1:{PORT}, state in {STATE.relative_to(ROOT)}", flush=True)
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "chain_deploy"], check=False)
    return anvil.wait()


if __name__ == "__main__":
    raise SystemExit(main())
