"""The mirror benchmark (issue 6, `make bench-mirror`). (a)-(d) on ONE private anvil (automine):

  (a) raw:     a plain web3.py loop (contract.functions.mint(...).build_transaction, the
               account's sign_transaction, send_raw_transaction, wait_for_transaction_receipt
               polling every 1 ms), one mint after the other on a token deployed directly by a
               signer of its own (no register, no database, no platform code in the loop).
               anvil's time per block grows with the chain's length (measured here: ~2-3 ms
               more per mined block for every 1,000 blocks before it, empty blocks too), so the
               loop runs N/2 mints just before the (b) burst and N/2 just after it: both see
               the same average chain length. raw_tps = N / (time of the two halves).
  (b) mirror:  the same N issuances through the whole platform, batching OFF
               (CHAIN_BATCH_MINTS=false): BENCH_WRITERS writer processes (default 4, forked:
               the register's callers are web/API processes), writer t issuing its contiguous
               share of the N on security t % BENCH_SECURITIES (default = writers; one issuer,
               one token per security, all deployed through the outbox; each security's
               control-book lock serialises its own issuances), each action its own durable
               register transaction (ledger.services.tokens_issue: rule check, positions,
               control book, TokenAction, outbox row, audit event). Commits kick
               chain.relay_sweep (OUTBOX_KICK_*), plus a beat-like sweep every second; the relay
               and the confirmer run in BENCH_WORKERS (4) real Celery worker processes with the
               platform's defaults. mirror_tps = N / (first OutboxEntry.created_at, i.e. the
               first action written, just before its commit -> last OutboxEntry.confirmed_at).
  (c) batched: the same, batching ON (platform defaults: batchMint of up to
               CHAIN_BATCH_MAX_MINTS, claims of CHAIN_RELAY_BATCH_SIZE, unless
               BENCH_RELAY_BATCH_SIZE is set) AND the register issuing in bulk the way the
               platform does for bulk settlement: each writer commits its share through
               ledger.services.tokens_issue_many in chunks of BENCH_ISSUE_CHUNK (100) items, one
               durable transaction per chunk that still writes one rule-checked TokenAction,
               outbox row and audit event per item. batched_tps is timed as in (b), on a fresh
               world.
  (b') / (c') diagnostics, not in RESULT: the mirror alone, N issuances committed while the
               workers are stopped (SIGSTOP), then resumed: relay + confirmer throughput with a
               full outbox.
  (d) latency: BENCH_LATENCY_N issuances one at a time on the (b) stack, each waited for:
               commit (OutboxEntry.created_at) -> OutboxEntry.confirmed_at. p50_latency_ms is
               the median of these.

  (e) lanes:   signer lanes (issue 16), bench/lanes_run.py (its docstring has the details): on
               an anvil of their own with a one-second block time, the same issuances with 1
               signer lane and with 4 (CHAIN_SIGNER_KEYS = 1 or 4 funded dev keys, 4 securities
               on 4 different lanes, asserted): lanes_throughput_4 = tps(4) / tps(1); then, with
               4 lanes, one issuance per security every 0.5 s for 30 s, once with every lane
               free and once with one lane's next nonce held by a transaction the node never
               mines (replaced after the 30 s): lanes_isolation = p50 commit -> confirmed latency
               of the other three lanes' actions, stuck / free.

Every action of (b)/(c)/(d) goes register first, then outbox, relay, confirmer, real worker
processes; nothing is pre-signed or skipped. For (b) and (c) a timeline line says when the
last action was committed, prepared, broadcast and confirmed (where the mirror falls behind).
Latencies of the bursts are printed too; they are queueing-dominated, so the p50 goal is
measured on (d), an action arriving at a system that is not saturated.

Isolation: a private Redis (own unix socket), a private anvil, and a throwaway database
created on the embedded PostgreSQL server the way pytest-django does it
(django.test.utils.setup_databases, name BENCH_DB_NAME, default "bench_mirror") and dropped at
the end, so the bench never touches the dev database or another engineer's test database.

Environment: BENCH_N (default 1000), BENCH_WORKERS (4), BENCH_WRITERS (4), BENCH_SECURITIES
(= writers), BENCH_ISSUE_CHUNK (100), BENCH_RELAY_BATCH_SIZE (unset: platform default),
BENCH_LATENCY_N (30), BENCH_DB_NAME; platform settings (CHAIN_*, OUTBOX_*) from the
environment reach the workers too. BENCH_LANES_* (bench/lanes_run.py; BENCH_LANES=0 skips (e):
nan); BENCH_MIRROR=0 skips (a)-(d) (their keys nan), to work on (e) alone.
Last line: RESULT n=.. raw_tps=.. mirror_tps=.. batched_tps=.. mirror_vs_raw=.. batched_vs_raw=.. p50_latency_ms=..
lanes_isolation=.. lanes_throughput_4=..
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

N = int(os.environ.get("BENCH_N", "1000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
LATENCY_N = int(os.environ.get("BENCH_LATENCY_N", "30"))
WRITERS = int(os.environ.get("BENCH_WRITERS", "4"))
SECURITIES = int(os.environ.get("BENCH_SECURITIES", str(WRITERS)))
ISSUE_CHUNK = int(os.environ.get("BENCH_ISSUE_CHUNK", "100"))
INVESTORS = 8
JP = 392


def say(text: str) -> None:
    print(f"bench-mirror: {text}", flush=True)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class RawLoop:
    """(a): our own registry + token deployed directly by a signer of its own (the node's
    second dev account, so the platform's nonces are never touched), then mints the way a
    plain web3.py integration writes them (no platform code in the loop): build the call from
    the contract object (fixed gas and fees, local nonce), sign it with the account, send it,
    wait for the receipt. `mint(count)` runs `count` more and returns the seconds they took."""

    def __init__(self, *, rpc_url: str, key: str) -> None:
        from eth_account import Account
        from eth_utils import keccak
        from web3 import Web3

        from chain.web3_backend import Web3Backend

        self.backend = backend = Web3Backend(rpc_url, key, timeout=10)
        registry = backend.deploy_registry()
        self.wallets = [Account.create().address for _ in range(INVESTORS)]
        for i, wallet in enumerate(self.wallets, start=1):
            backend.register_wallet(registry.address, ref=f"raw:wallet:{i}", wallet=wallet, investor_id=i,
                                    country=JP, kyc_expiry=2**40 - 1, accredited=True)
        self.token = backend.deploy_token(name="Raw bench", symbol="RAW", decimals=0, registry=registry.address)
        self.w3 = w3 = Web3(Web3.HTTPProvider(rpc_url))
        self.account = w3.eth.account.from_key(key)
        self.contract = w3.eth.contract(address=self.token.address,
                                        abi=list(backend.artifacts["SecurityToken"].abi))
        gas = self.contract.functions.mint(keccak(text="raw:probe"), self.wallets[0], 100).estimate_gas(
            {"from": self.account.address})
        self.gas = int(gas * 1.2) + 10_000   # a first mint to a new holder: the dearest
        base = w3.eth.get_block("latest")["baseFeePerGas"]
        self.fees = {"maxFeePerGas": 2 * base + 10**9, "maxPriorityFeePerGas": 10**9}
        self.chain_id = w3.eth.chain_id
        self.done = 0

    def mint(self, count: int) -> float:
        from eth_utils import keccak

        w3, account, contract = self.w3, self.account, self.contract
        nonce = w3.eth.get_transaction_count(account.address, "pending")
        started = time.perf_counter()
        for i in range(self.done, self.done + count):
            tx = contract.functions.mint(keccak(text=f"raw:{i}"), self.wallets[i % INVESTORS], 100).build_transaction(
                {"from": account.address, "nonce": nonce, "gas": self.gas, "chainId": self.chain_id, **self.fees})
            signed = account.sign_transaction(tx)
            tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
            receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.001)
            if receipt["status"] != 1:
                raise RuntimeError(f"raw mint {i} reverted")
            nonce += 1
        elapsed = time.perf_counter() - started
        self.done += count
        supply = self.backend.total_supply(self.token.address)
        if supply != 100 * self.done:
            raise RuntimeError(f"raw: totalSupply {supply} != {100 * self.done}")
        return elapsed


def wait_confirmed(entry_ids: list[int], *, timeout: float, poll: float = 0.01) -> None:
    from core.models import OutboxEntry

    deadline = time.monotonic() + timeout
    while OutboxEntry.objects.filter(pk__in=entry_ids).exclude(status=OutboxEntry.Status.CONFIRMED).exists():
        failed = list(OutboxEntry.objects.filter(pk__in=entry_ids, status="failed")
                      .values_list("last_error", flat=True)[:3])
        if failed:
            from django.db.models import Count

            from chain.models import ChainTransaction

            txs = list(ChainTransaction.objects.exclude(status="confirmed").values("status", "error_code")
                       .annotate(n=Count("id")))
            raise RuntimeError(f"actions failed: {failed}; unconfirmed transactions: {txs}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"actions not confirmed within {timeout:.0f}s")
        time.sleep(poll)


def timeline(entry_ids: list[int], *, label: str) -> None:
    """When the burst's last action was committed, prepared (signed and stored), broadcast and
    confirmed, in seconds from its first commit: where the mirror falls behind."""
    from django.db.models import Count, Max, Min, Q

    from chain.models import ChainTransaction, ChainTransactionEntry
    from core.models import OutboxEntry

    entries = OutboxEntry.objects.filter(pk__in=entry_ids).aggregate(first=Min("created_at"), last=Max("created_at"),
                                                                     confirmed=Max("confirmed_at"))
    txs = ChainTransaction.objects.filter(
        Q(entry_id__in=entry_ids)
        | Q(pk__in=ChainTransactionEntry.objects.filter(entry_id__in=entry_ids).values("tx_id")))
    sent = txs.aggregate(prepared=Max("created_at"), broadcast=Max("broadcast_at"), n=Count("id"))
    at = {k: (v - entries["first"]).total_seconds() for k, v in
          {"committed": entries["last"], "prepared": sent["prepared"], "broadcast": sent["broadcast"],
           "confirmed": entries["confirmed"]}.items() if v is not None}
    say(f"{label} timeline (s after the first commit, last action): " + " ".join(f"{k} {v:.2f}" for k, v in at.items())
        + f"; {sent['n']} transactions")


def latencies_ms(entry_ids: list[int]) -> list[float]:
    from core.models import OutboxEntry

    rows = OutboxEntry.objects.filter(pk__in=entry_ids).values_list("created_at", "confirmed_at")
    return [(confirmed - created).total_seconds() * 1000 for created, confirmed in rows]


class Phase:
    """4 workers on a queue of their own, a world (registry, token, investors) of its own."""

    def __init__(self, *, label: str, batch: bool, redis, anvil, backend) -> None:
        from django.conf import settings
        from django.db import connection

        from tests.chaos.harness import Driver, Workers, security_add, worker_env, world_setup

        self.label = label
        self.queue = f"bench-{label}-{os.getpid()}"
        # The relay's claim size is the platform default (config/settings/base.py:
        # CHAIN_RELAY_BATCH_SIZE follows CHAIN_BATCH_MAX_MINTS when batching is on) unless
        # BENCH_RELAY_BATCH_SIZE says otherwise.
        extra = {"CHAIN_BATCH_MINTS": "true" if batch else "false"}
        if os.environ.get("BENCH_RELAY_BATCH_SIZE"):
            extra["CHAIN_RELAY_BATCH_SIZE"] = os.environ["BENCH_RELAY_BATCH_SIZE"]
        env = worker_env(database=connection.settings_dict, redis=redis, anvil=anvil, **extra)
        self.workers = Workers(queue=self.queue, env=env, count=WORKERS)
        self.driver = Driver(redis=redis, queue=self.queue, period=1.0, max_depth=2)
        settings.OUTBOX_KICK_TASK = "chain.relay_sweep"
        settings.OUTBOX_KICK_QUEUE = self.queue
        self.workers.start_all()
        self.workers.wait_ready(timeout=90)
        self.driver.start()
        self.world = world_setup(backend=backend, investors=INVESTORS)
        self.securities = [self.world.security] + [security_add(world=self.world) for _ in range(SECURITIES - 1)]
        say(f"{label}: {WORKERS} workers ready, {len(self.securities)} securities (first token "
            f"{self.world.token_address}), batching {'on' if batch else 'off'}, "
            f"relay claims "
            f"{env.get('CHAIN_RELAY_BATCH_SIZE', os.environ.get('CHAIN_RELAY_BATCH_SIZE', 'the default'))} "
            f"per sweep")

    def burst(self, n: int, *, bulk: bool = False) -> tuple[float, list[float], float]:
        """n issuances from WRITERS writer processes at once (forked: the register's callers
        are web/API processes, not threads of one interpreter), writer t on security
        t % SECURITIES (each security's control book lock serialises its issuances, so one
        security = one writer): each writer commits its contiguous share of the n actions back
        to back, one tokens_issue each, or (bulk) tokens_issue_many in chunks of ISSUE_CHUNK.
        Returns (tps from the first commit to the last confirmation, commit -> confirmed
        latencies in ms, register commit rate)."""
        import multiprocessing
        import queue as queue_module

        from django.db import connections

        from core.models import OutboxEntry

        fork = multiprocessing.get_context("fork")
        start = fork.Barrier(WRITERS)
        results = fork.Queue()
        tag = f"{self.label}-{'bulk' if bulk else 'burst'}"
        world, securities = self.world, self.securities

        def writer(t: int) -> None:
            """Runs in a forked child: its own database connection, its own interpreter."""
            from tests.chaos.harness import issue, issue_many

            security = securities[t % len(securities)]
            mine = list(range(t * n // WRITERS, (t + 1) * n // WRITERS))
            done: list[int] = []
            try:
                start.wait()
                if bulk:
                    for c in range(0, len(mine), ISSUE_CHUNK):
                        chunk = mine[c:c + ISSUE_CHUNK]
                        done += issue_many(world=world, security=security, amount=100, first=chunk[0], tag=tag,
                                           wallets=[world.wallets[i % INVESTORS] for i in chunk])
                else:
                    for i in mine:
                        done.append(issue(world=world, security=security, amount=100, n=i, tag=tag,
                                          wallet=world.wallets[i % INVESTORS]))
                results.put(("ok", done))
            except BaseException as error:  # noqa: BLE001 (reported to the parent)
                results.put(("error", repr(error)))
            finally:
                connections.close_all()

        connections.close_all()   # the children must not share the parent's socket
        processes = [fork.Process(target=writer, args=(t,), name=f"bench-writer-{t}") for t in range(WRITERS)]
        started = time.monotonic()
        for process in processes:
            process.start()
        ids: list[int] = []
        errors: list[str] = []
        for _ in processes:
            try:
                status, value = results.get(timeout=120 + n)
            except queue_module.Empty:
                errors.append("a writer did not report")
                break
            (ids.extend if status == "ok" else errors.append)(value)
        committed = time.monotonic() - started
        for process in processes:
            process.join(timeout=30)
        if errors:
            raise RuntimeError(f"writers failed: {errors}")
        if len(ids) != n:
            raise RuntimeError(f"{len(ids)} of {n} issuances committed")
        wait_confirmed(ids, timeout=60 + n)
        rows = list(OutboxEntry.objects.filter(pk__in=ids).values_list("created_at", "confirmed_at"))
        window = (max(c for _, c in rows) - min(c for c, _ in rows)).total_seconds()
        timeline(ids, label=self.label)
        return n / window, latencies_ms(ids), n / committed

    def drain(self, n: int) -> tuple[float, list[float]]:
        """The mirror alone: n issuances committed while the workers are stopped (SIGSTOP),
        then the workers go on; returns (actions/s from resume to the last confirmation,
        resume -> confirmed latencies in ms)."""
        from datetime import UTC, datetime

        from core.models import OutboxEntry
        from tests.chaos.harness import issue

        self.workers.pause()
        try:
            ids = [issue(world=self.world, wallet=self.world.wallets[i % INVESTORS], amount=10, n=i,
                         tag=f"{self.label}-drain") for i in range(n)]
        finally:
            resumed_at = datetime.now(UTC)
            started = time.monotonic()
            self.workers.resume()
        wait_confirmed(ids, timeout=60 + n)
        elapsed = time.monotonic() - started
        rows = OutboxEntry.objects.filter(pk__in=ids).values_list("confirmed_at", flat=True)
        return n / elapsed, [(confirmed - resumed_at).total_seconds() * 1000 for confirmed in rows]

    def one_at_a_time(self, n: int) -> list[float]:
        from tests.chaos.harness import issue

        ids = []
        for i in range(n):
            ids.append(issue(world=self.world, wallet=self.world.wallets[i % INVESTORS], amount=1, n=i,
                             tag=f"{self.label}-single"))
            wait_confirmed(ids[-1:], timeout=30, poll=0.002)
        return latencies_ms(ids)

    def close(self) -> None:
        from django.conf import settings

        self.driver.stop()
        self.workers.close()
        settings.OUTBOX_KICK_TASK = ""


def run(*, redis, anvil) -> str:
    from django.conf import settings

    from chain.testing import DEV_KEYS
    from chain.web3_backend import Web3Backend
    from tests.chaos.harness import ledger_available

    settings.CHAIN_RPC_URL, settings.CHAIN_SIGNER_KEY = anvil.rpc_url, anvil.signer_key
    settings.CHAIN_CONFIRMATIONS = 0
    backend = Web3Backend(anvil.rpc_url, anvil.signer_key, timeout=10)
    say(f"n={N} workers={WORKERS} writer processes={WRITERS} securities={SECURITIES} bulk chunk={ISSUE_CHUNK} "
        f"register={'ledger.tokens_issue' if ledger_available() else 'outbox token.mint rows'}")
    raw = RawLoop(rpc_url=anvil.rpc_url, key=next(k for k in DEV_KEYS if k != anvil.signer_key))

    phase = Phase(label="mirror", batch=False, redis=redis, anvil=anvil, backend=backend)
    try:
        # anvil's time per block grows with the chain's length (~2-3 ms per 1,000 blocks here,
        # empty blocks too), so the raw loop runs half before and half after the (b) burst:
        # both then see the same average chain length.
        first_half = raw.mint(N // 2)
        mirror_tps, mirror_lat, mirror_commit = phase.burst(N, bulk=False)
        raw_tps = N / (first_half + raw.mint(N - N // 2))
        say(f"(a) raw web3 loop: {raw_tps:.1f} mints/s (half before (b): {N // 2 / first_half:.1f}/s)")
        say(f"(b) mirror: {mirror_tps:.1f} actions/s (register commits {mirror_commit:.1f}/s); burst latency "
            f"p50 {pct(mirror_lat, 0.5):.0f} ms p95 {pct(mirror_lat, 0.95):.0f} ms")
        drain_tps, _ = phase.drain(N)
        say(f"(b') mirror alone (outbox pre-filled, workers resumed): {drain_tps:.1f} actions/s "
            f"= {drain_tps / raw_tps:.2f} x raw")
        single = phase.one_at_a_time(LATENCY_N)
        say(f"(d) one action at a time: latency p50 {pct(single, 0.5):.0f} ms p95 {pct(single, 0.95):.0f} ms "
            f"min {min(single):.0f} ms")
    finally:
        phase.close()

    phase = Phase(label="batched", batch=True, redis=redis, anvil=anvil, backend=backend)
    try:
        batched_tps, batched_lat, batched_commit = phase.burst(N, bulk=True)
        say(f"(c) batched: {batched_tps:.1f} actions/s (register commits {batched_commit:.1f}/s); burst latency "
            f"p50 {pct(batched_lat, 0.5):.0f} ms p95 {pct(batched_lat, 0.95):.0f} ms")
        report_batches(phase.world, label="(c)")
        batched_drain_tps, _ = phase.drain(N)
        say(f"(c') batched mirror alone (outbox pre-filled, workers resumed): {batched_drain_tps:.1f} actions/s "
            f"= {batched_drain_tps / raw_tps:.2f} x raw")
        report_batches(phase.world, label="(c')")
    finally:
        phase.close()

    p50 = statistics.median(single)
    return (f"RESULT n={N} raw_tps={raw_tps:.1f} mirror_tps={mirror_tps:.1f} batched_tps={batched_tps:.1f} "
            f"mirror_vs_raw={mirror_tps / raw_tps:.2f} batched_vs_raw={batched_tps / raw_tps:.2f} "
            f"p50_latency_ms={p50:.0f}")


def report_batches(world, *, label: str) -> None:
    from django.db.models import Count

    from chain.models import ChainTransaction

    txs = ChainTransaction.objects.filter(status="confirmed", to_address__iexact=world.token_address)
    singles = txs.filter(function="mint").count()
    sizes = [row["n"] for row in txs.filter(function="batchMint").annotate(n=Count("links")).values("n")]
    if sizes:
        say(f"{label} so far on this token: {len(sizes)} batchMint txs carrying {sum(sizes)} mints (size p50 "
            f"{pct(sizes, 0.5)}, max {max(sizes)}), {singles} single mints")


def main() -> int:
    from tests.chaos.harness import PrivateAnvil, PrivateRedis

    redis = PrivateRedis()
    redis.start()
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "TEST_DB_NAME": os.environ.get("BENCH_DB_NAME", "bench_mirror"),
        "REDIS_URL": redis.url,                  # broker + cache of this process: the private Redis
        "CELERY_BROKER_URL": redis.celery_url,
        "CELERY_RESULT_BACKEND": "",
    })
    anvil = lane_databases = None
    try:
        import django

        django.setup()
        import lanes_run  # bench/lanes_run.py (this script's directory is on sys.path)
        from django.db import connections
        from django.test.utils import setup_databases, teardown_databases

        databases = setup_databases(verbosity=0, interactive=False, serialized_aliases=[])
        try:
            if lanes_run.enabled():   # copies of the migrated database, for the lanes run
                lane_databases = lanes_run.Databases()
            if os.environ.get("BENCH_MIRROR", "1") == "0":   # the lanes run alone (while working on it)
                result = ("RESULT n=0 raw_tps=nan mirror_tps=nan batched_tps=nan mirror_vs_raw=nan "
                          "batched_vs_raw=nan p50_latency_ms=nan")
            else:
                anvil = PrivateAnvil()
                result = run(redis=redis, anvil=anvil)
                anvil.close()   # the lanes run has nodes of its own
                anvil = None
        finally:
            connections.close_all()
            teardown_databases(databases, verbosity=0)
        lanes = lanes_run.run(redis=redis, databases=lane_databases)
    finally:
        if lane_databases is not None:
            lane_databases.drop()
        if anvil is not None:
            anvil.close()
        redis.close()
    print(f"{result} lanes_isolation={lanes_run.fmt(lanes['lanes_isolation'])} "
          f"lanes_throughput_4={lanes_run.fmt(lanes['lanes_throughput_4'])}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
