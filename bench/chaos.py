"""`make chaos`: the fault-injection test of issue 6 (tests/chaos/test_chaos.py, marker
`chaos`) on its own, with its output shown, ending with its RESULT line: actions, kills,
lost, duplicated, breaks, and (issue 13) dvp_settled, dvp_failed, half_settled for the
delivery-versus-payment trades among the actions (tests/chaos/dvp.py).

  CHAOS_ACTIONS (default 1000), CHAOS_SECONDS, CHAOS_KILLS, CHAOS_WORKERS, CHAOS_SEED: see the test.
  TEST_DB_NAME / TEST_CACHE_REDIS_DB default to test_chaos / 10 (parallel runs must differ).

Exit status: pytest's (0 when lost, duplicated, breaks and half_settled are all 0 and at
least a fifth of the actions were DvP trades that settled or failed).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    env.setdefault("TEST_DB_NAME", "test_chaos")
    env.setdefault("TEST_CACHE_REDIS_DB", "10")
    proc = subprocess.Popen([sys.executable, "-m", "pytest", "tests/chaos", "-m", "chaos", "-q", "-s",
                             "-p", "no:cacheprovider"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    result = ""
    for line in proc.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        if line.startswith("RESULT "):
            result = line.strip()
    code = proc.wait()
    print(result or "RESULT missing: the chaos test did not get to its checks (see above)", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
