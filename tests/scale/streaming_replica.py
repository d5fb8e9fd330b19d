"""A real streaming read replica of the test run's PostgreSQL, for tests/scale/test_read_replica.py.

`pg_basebackup --write-recovery-conf` copies the running primary (the embedded server of
scripts/devservices.py, or whichever DATABASE_URL names) into a temporary directory; the copy
starts, with the binaries of the `pgserver` wheel, as a hot standby on a unix socket directory
of its own and follows the primary's WAL over a replication connection. PostgreSQL refuses to run
as root: as root, the replica runs as the system user the embedded server runs as ("pgserver").
The copy is a throwaway: in memory when there is room, fsync off (no long sync of the copied files
at start)."""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

#: The system user pgserver runs PostgreSQL as when started by root.
EMBEDDED_SYSTEM_USER = "pgserver"


def pg_bin(name: str) -> str:
    """A binary of the pgserver wheel (found without importing it: its import looks for a
    runtime directory, and warns when there is none)."""
    package = importlib.util.find_spec("pgserver").submodule_search_locations[0]
    return str(Path(package) / "pginstall" / "bin" / name)


def _system_user() -> str | None:
    """Who runs the replica's processes: None (this process's user) unless this is root."""
    if os.geteuid() != 0:
        return None
    pwd.getpwnam(EMBEDDED_SYSTEM_USER)   # KeyError: start the embedded server once (it creates the user)
    return EMBEDDED_SYSTEM_USER


def poll(check, what: str, *, timeout: float, interval: float = 0.05):
    """Call ``check`` until it returns something truthy (returned), at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


class StreamingReplica:
    """start() copies the primary and starts the standby; stop() stops it and removes the copy.
    ``primary`` is the primary's Django connection (its host may be a socket directory, given in
    HOST or OPTIONS)."""

    def __init__(self, primary) -> None:
        self.primary_settings = primary.settings_dict
        params = primary.get_connection_params()
        self.primary = {"HOST": params.get("host"), "PORT": params.get("port"), "USER": params.get("user"),
                        "PASSWORD": params.get("password")}
        self.user = _system_user()
        self.root = Path(tempfile.mkdtemp(prefix="shoken-replica-", dir=self._scratch(params)))
        self.data = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.log = self.root / "replica.log"
        self.started = False
        self.timings: dict[str, float] = {}

    @staticmethod
    def _scratch(params: dict) -> str | None:
        """Where the copy goes: memory (/dev/shm) when it has room for the whole cluster a few
        times over (a loaded disk made the copy and its replay take tens of seconds), else the
        temporary directory. Both keep the socket path short (at most 107 bytes)."""
        memory = Path("/dev/shm")
        if not (memory.is_dir() and os.access(memory, os.W_OK)):
            return None
        keys = ("host", "port", "user", "password", "dbname")
        with psycopg.connect(**{key: params[key] for key in keys if params.get(key)}, autocommit=True) as conn:
            size = conn.execute("SELECT sum(pg_database_size(oid)) FROM pg_database").fetchone()[0]
        return str(memory) if shutil.disk_usage(memory).free > 4 * int(size) + (512 << 20) else None

    def _run(self, *command: str, timeout: float) -> subprocess.CompletedProcess:
        primary = {"PGHOST": self.primary.get("HOST"), "PGPORT": self.primary.get("PORT"),
                   "PGUSER": self.primary.get("USER"), "PGPASSWORD": self.primary.get("PASSWORD")}
        env = {**os.environ, **{key: str(value) for key, value in primary.items() if value}}
        result = subprocess.run(command, env=env, user=self.user, capture_output=True, text=True, timeout=timeout,
                                cwd=self.root, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()[-2000:]}"
                               f"\n{self.log.read_text()[-2000:] if self.log.exists() else ''}")
        return result

    def start(self, *, timeout: float = 180.0) -> None:
        self.socket_dir.mkdir()
        if self.user:
            account = pwd.getpwnam(self.user)
            for path in (self.root, self.socket_dir):
                os.chown(path, account.pw_uid, account.pw_gid)
        os.chmod(self.root, 0o700)
        # --checkpoint=fast: the copy starts at once instead of at the primary's next checkpoint;
        # --no-sync: nothing of the copy needs to survive a power cut.
        began = time.monotonic()
        self._run(pg_bin("pg_basebackup"), "--pgdata", str(self.data), "--wal-method=stream", "--write-recovery-conf",
                  "--checkpoint=fast", "--no-sync", "--no-manifest", timeout=timeout)
        options = (f"-k {self.socket_dir} -c listen_addresses='' -c port={self.port} -c hot_standby=on -c fsync=off "
                   f"-c logging_collector=off -c shared_buffers=16MB")
        copied = time.monotonic()
        self._run(pg_bin("pg_ctl"), "--pgdata", str(self.data), "--log", str(self.log), "--options", options,
                  "--wait", f"--timeout={int(timeout)}", "start", timeout=timeout + 5)
        self.started = True
        poll(self._accepts, "the replica accepting connections", timeout=timeout)
        self.timings = {"copy_s": copied - began, "start_s": time.monotonic() - copied}

    @property
    def port(self) -> int:
        return int(self.primary.get("PORT") or 5432)

    def settings_dict(self) -> dict:
        """The primary's connection settings, pointed at the replica's socket. TEST MIRROR: the
        test runner neither creates nor flushes a database through this alias."""
        options = {**self.primary_settings.get("OPTIONS", {}), "host": str(self.socket_dir), "port": self.port}
        return {**self.primary_settings, "HOST": str(self.socket_dir), "PORT": str(self.port), "OPTIONS": options,
                "TEST": {**self.primary_settings.get("TEST", {}), "MIRROR": "default"}}

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(host=str(self.socket_dir), port=self.port, dbname=dbname,
                               user=self.primary.get("USER") or None, password=self.primary.get("PASSWORD") or None,
                               autocommit=True, connect_timeout=5)

    def _accepts(self) -> bool:
        try:
            with self.connect() as conn:
                return bool(conn.execute("SELECT pg_is_in_recovery()").fetchone()[0])
        except psycopg.OperationalError:
            return False

    def stop(self) -> None:
        try:
            if self.started:
                self._run(pg_bin("pg_ctl"), "--pgdata", str(self.data), "--mode=fast", "--wait", "stop",
                          timeout=60)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
