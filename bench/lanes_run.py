"""The signer-lanes run of `make bench-mirror` (issue 16), called by bench/bench_mirror.py after
its own phases. Two worlds, each with a throwaway database of its own (BENCH_DB_NAME + "_lanes1"
/ "_lanes4", dropped at the end like the main one), a private anvil mining one block a second
(``--block-time 1``, the ``test`` profile of chain/node_config.py otherwise), the bench's
private Redis, and BENCH_LANES_WORKERS (6) real Celery worker processes on a queue of their own
(the platform's settings, batching off: one transaction per action, so every action takes a
nonce of its lane; the env reaches the workers):

  1 lane:  CHAIN_SIGNER_KEYS = the first funded dev key (chain/testing.py DEV_KEYS).
  4 lanes: CHAIN_SIGNER_KEYS = the first four. The world's 4 securities (one issuer, tokens
           deployed through the outbox) must sit on 4 different lanes (asserted, printed).

  throughput: BENCH_LANES_N (500) issuances, 4 writer processes (forked), writer t issuing its
           contiguous share back to back on security t (ledger.services.tokens_issue each),
           timed from the first OutboxEntry.created_at to the last confirmed_at. Both worlds
           are up at once and their bursts alternate, BENCH_LANES_ROUNDS (2) each, in the order
           1, 4, 4, 1, ... (a change in the machine's load falls on both alike), the idle
           world's workers stopped (SIGSTOP) meanwhile. tps = all issuances of a world / the
           sum of its bursts' times; lanes_throughput_4 = tps(4 lanes) / tps(1 lane); goal
           >= 0.9.
  isolation (4-lane world): one writer per security, each issuing one action every
           BENCH_LANES_PACE (0.5) s for BENCH_LANES_STUCK_SECONDS (30) s, twice: first with every
           lane free (baseline), then with the last security's lane stuck for the whole window.
           Latency = OutboxEntry.created_at -> confirmed_at. lanes_isolation = p50 latency of
           the OTHER three lanes' actions with the stuck lane / p50 of the same actions in the
           baseline; goal <= 1.5.

The stuck transaction (:class:`StuckTx`): sent from the stuck lane's key at that lane's next
nonce while the lane is idle (no action in flight, the platform's nonce counter = the node's
count), with a 1 wei tip and a fee cap at the base fee (far below the platform's 2 x base fee
+ 1 gwei), so the relay's later nonces on that lane queue behind it. anvil evicts a
transaction whose fee cap is below the base fee at the next block (together with the later
nonces of its sender; measured), so an underpriced transaction cannot stay pending for 30 s on
anvil by its price alone; the bench keeps it pending the way a real node keeps an underpriced
one: its gas limit is the block gas limit, which is then lowered by one gas (interval mining is
paused for those two calls so no block falls in between), and anvil skips it in every block
without dropping it. The relay's counter moves past it (the node's pending count includes it),
the lane's later transactions wait behind it. The platform never bumps it (it is not the
platform's transaction; CHAIN_STUCK_AFTER_SECONDS is 60 s, over the window, for the lane's own
queued ones). After the window the bench replaces it (same nonce, fees doubled, 21,000 gas) and
restores the gas limit; the lane drains. The run checks that the stuck transaction was still
unmined at the replacement and that no action of the stuck lane confirmed before it.

Per-stage latencies (commit -> broadcast -> seen mined -> confirmed) of the other lanes are
printed for both windows: where a stuck lane costs the others time. anvil drops the stuck
lane's later transactions from its pool at every block (they are ready behind the held nonce,
and invalid when executed), so the platform's confirmer rebroadcasts them while the lane is
stuck; a real node keeps them queued.

The databases are copies (CREATE DATABASE ... TEMPLATE) of the bench's freshly migrated one,
made by :class:`Databases` right after bench_mirror creates it (migrating twice more would cost
~half a minute each).

Environment: BENCH_LANES (1; 0 skips the run: nan), BENCH_LANES_N (500), BENCH_LANES_ROUNDS
(2), BENCH_LANES_WORKERS (6), BENCH_LANES_PACE (0.5), BENCH_LANES_STUCK_SECONDS (30),
BENCH_LANES_POLL (0.25: the workers' CHAIN_CONFIRM_POLL_SECONDS, a quarter of the 1-second block),
BENCH_LANES_GATHER (0.5: the workers' CHAIN_RELAY_GATHER_SECONDS, half the block time; both the
same in both worlds: polling and sweeping ten times a block costs each lane its sweeps' fixed
work, which on 2 cores comes out of the writers: 0.1/0.25 gave 0.57-0.62, 0.25/0.5 gave 0.83),
BENCH_LANES_PARTS ("throughput,isolation": either alone while working on it). Without signer
lanes in the platform (no chain.lanes), only the 1-lane burst runs and both keys are nan.
Returns {"lanes_isolation": x, "lanes_throughput_4": x} (nan for what could not run).
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable

from bench.lanes_node import BLOCK_SECONDS, BlockAnvil, StuckTx

LANES = 4
INVESTORS = 8
N = int(os.environ.get("BENCH_LANES_N", "500"))
ROUNDS = int(os.environ.get("BENCH_LANES_ROUNDS", "2"))
WORKERS = int(os.environ.get("BENCH_LANES_WORKERS", "6"))
PACE = float(os.environ.get("BENCH_LANES_PACE", "0.5"))
STUCK_SECONDS = float(os.environ.get("BENCH_LANES_STUCK_SECONDS", "30"))
POLL = os.environ.get("BENCH_LANES_POLL", "0.25")
GATHER = os.environ.get("BENCH_LANES_GATHER", "0.5")


def say(text: str) -> None:
    print(f"bench-mirror: lanes: {text}", flush=True)


def p50(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def lanes_available() -> bool:
    """The platform has signer lanes (chain/lanes.py and OutboxEntry.lane)."""
    try:
        from chain.lanes import lane_count  # noqa: F401
        from core.models import OutboxEntry
    except ImportError:
        return False
    return any(f.name == "lane" for f in OutboxEntry._meta.get_fields())


# ---------------------------------------------------------------- writers

def fork_writers(jobs: list[Callable[[], list[int]]], *, timeout: float) -> list[list[int]]:
    """Run each job in a forked process of its own (the register's callers are web/API
    processes; each has its own database connection); returns each job's outbox entry ids."""
    import multiprocessing
    import queue as queue_module

    from django.db import connections

    fork = multiprocessing.get_context("fork")
    results = fork.Queue()

    def child(index: int, job: Callable[[], list[int]]) -> None:
        try:
            results.put((index, "ok", job()))
        except BaseException as error:  # noqa: BLE001 (reported to the parent)
            results.put((index, "error", repr(error)))
        finally:
            connections.close_all()

    connections.close_all()   # the children must not share the parent's socket
    processes = [fork.Process(target=child, args=(i, job), name=f"bench-lanes-writer-{i}")
                 for i, job in enumerate(jobs)]
    for process in processes:
        process.start()
    out: dict[int, list[int]] = {}
    errors = []
    for _ in processes:
        try:
            index, status, value = results.get(timeout=timeout)
        except queue_module.Empty:
            errors.append("a writer did not report")
            break
        if status == "ok":
            out[index] = value
        else:
            errors.append(value)
    for process in processes:
        process.join(timeout=30)
    if errors:
        raise RuntimeError(f"writers failed: {errors}")
    return [out[i] for i in range(len(jobs))]


def wait_confirmed(ids: list[int], *, timeout: float) -> None:
    from core.models import OutboxEntry

    deadline = time.monotonic() + timeout
    while OutboxEntry.objects.filter(pk__in=ids).exclude(status=OutboxEntry.Status.CONFIRMED).exists():
        failed = list(OutboxEntry.objects.filter(pk__in=ids, status=OutboxEntry.Status.FAILED)
                      .values_list("id", "last_error")[:3])
        if failed:
            raise RuntimeError(f"actions failed: {failed}")
        if time.monotonic() > deadline:
            left = list(OutboxEntry.objects.filter(pk__in=ids).exclude(status=OutboxEntry.Status.CONFIRMED)
                        .values_list("id", "lane", "status", "last_error")[:5])
            raise TimeoutError(f"actions not confirmed within {timeout:.0f}s, e.g. {left}")
        time.sleep(0.05)


def rows_of(ids: list[int]) -> list[tuple]:
    """(lane, created_at, confirmed_at) of each entry."""
    from core.models import OutboxEntry

    return list(OutboxEntry.objects.filter(pk__in=ids).values_list("lane", "created_at", "confirmed_at"))


def stages(ids: list[int], *, lanes: set[int]) -> str:
    """Where the latency of these entries (on ``lanes``) goes, p50 of each stage: commit ->
    broadcast of the transaction that confirmed it -> seen mined by the confirmer -> the entry
    confirmed."""
    from chain.models import ChainTransaction

    txs = (ChainTransaction.objects.filter(entry_id__in=ids, entry__lane__in=lanes, status="confirmed")
           .values_list("entry__created_at", "broadcast_at", "mined_at", "entry__confirmed_at"))
    parts: list[list[float]] = [[], [], []]
    for created, broadcast, mined, confirmed in txs:
        if None in (created, broadcast, mined, confirmed):
            continue
        for i, (a, b) in enumerate(((created, broadcast), (broadcast, mined), (mined, confirmed))):
            parts[i].append((b - a).total_seconds() * 1000)
    names = ("commit->broadcast", "broadcast->seen mined", "seen mined->confirmed")
    return ", ".join(f"{name} p50 {p50(v):.0f} ms" for name, v in zip(names, parts, strict=True))


# ---------------------------------------------------------------- a world

class LaneWorld:
    """A throwaway database, a 1-second-block anvil, WORKERS workers with ``lanes`` signer
    keys, and a world of 4 securities (one issuer, INVESTORS registered investors)."""

    def __init__(self, *, lanes: int, redis, with_lanes: bool, database: str) -> None:
        from django.db import connection

        from chain.web3_backend import Web3Backend
        from tests.chaos.harness import Driver, Workers, security_add, worker_env, world_setup

        self.lanes, self.label, self.database = lanes, f"lanes{lanes}", database
        started = time.monotonic()
        self.anvil = self.workers = self.driver = None
        steps = []
        try:
            self.anvil = BlockAnvil()
            self.keys = keys = list(self.anvil.keys[:lanes])
            self.queue = f"bench-{self.label}-{os.getpid()}"
            self.activate()
            env = worker_env(database=connection.settings_dict, redis=redis, anvil=self.anvil,
                             CHAIN_SIGNER_KEYS=",".join(keys), CHAIN_BATCH_MINTS="false",
                             CHAIN_CONFIRM_POLL_SECONDS=POLL, CHAIN_STUCK_AFTER_SECONDS="60",
                             CHAIN_RELAY_GATHER_SECONDS=GATHER)
            self.workers = Workers(queue=self.queue, env=env, count=WORKERS)
            self.driver = Driver(redis=redis, queue=self.queue, period=1.0, max_depth=2)
            self.workers.start_all()
            self.workers.wait_ready(timeout=120)
            steps.append(f"workers {time.monotonic() - started:.0f}s")
            self.driver.start()
            backend = Web3Backend(self.anvil.rpc_url, keys[0], timeout=10)
            self.world = world_setup(backend=backend, investors=INVESTORS, settle_timeout=180)
            self.securities = [self.world.security] + [security_add(world=self.world, settle_timeout=180)
                                                       for _ in range(LANES - 1)]
            self.lane_of = self.assignment() if with_lanes else {s.pk: 0 for s in self.securities}
        except BaseException:
            self.close()
            raise
        say(f"{self.label}: world ready in {time.monotonic() - started:.0f}s ({', '.join(steps)}; {WORKERS} workers, "
            f"{len(self.securities)} securities, 1 block/{BLOCK_SECONDS}s, batching off); lanes of the securities: "
            + ", ".join(f"security {pk} -> lane {lane}" for pk, lane in self.lane_of.items()))

    def activate(self) -> None:
        """Make this process (and the writers it forks) use this world: its database, its
        node and keys (the writers' lane_for reads CHAIN_SIGNER_KEYS), its workers' queue for
        the relay kicks. Both worlds live at once, so their bursts can alternate."""
        from django.conf import settings
        from django.db import connection

        if connection.settings_dict["NAME"] != self.database:
            connection.close()
            connection.settings_dict["NAME"] = self.database   # a copy of the migrated bench database
        settings.CHAIN_RPC_URL, settings.CHAIN_SIGNER_KEY = self.anvil.rpc_url, self.keys[0]
        settings.CHAIN_SIGNER_KEYS = list(self.keys)
        settings.CHAIN_CONFIRMATIONS = 0
        settings.OUTBOX_KICK_TASK, settings.OUTBOX_KICK_QUEUE = "chain.relay_sweep", self.queue

    def assignment(self) -> dict[int, int]:
        """security id -> its lane, from the lanes of its outbox rows (its token's deployment);
        each security must be on exactly one lane, and with 4 lanes on 4 different ones."""
        from core.models import OutboxEntry

        lane_of = {}
        for security in self.securities:
            lanes = set(OutboxEntry.objects.filter(idempotency_key=f"bench:security:{security.pk}:deploy")
                        .values_list("lane", flat=True))
            if len(lanes) != 1:
                raise AssertionError(f"security {security.pk}: deployment rows on lanes {lanes}")
            lane_of[security.pk] = lanes.pop()
        if len(set(lane_of.values())) != min(self.lanes, len(self.securities)):
            raise AssertionError(f"{self.label}: the securities share lanes: {lane_of}")
        return lane_of

    def issue_job(self, *, security, tag: str, count: int, first: int, start_at: float = 0.0,
                  pace: float = 0.0) -> Callable[[], list[int]]:
        """A writer: ``count`` issuances on ``security`` (keys tag:first..), back to back, or
        one every ``pace`` seconds from the wall-clock time ``start_at`` (shared by the writer
        processes)."""
        world = self.world

        def job() -> list[int]:
            from tests.chaos.harness import issue

            ids = []
            for i in range(count):
                if pace:
                    delay = start_at + i * pace - time.time()
                    if delay > 0:
                        time.sleep(delay)
                n = first + i
                ids.append(issue(world=world, security=security, amount=100, n=n, tag=tag,
                                 wallet=world.wallets[n % INVESTORS]))
            return ids
        return job

    def throughput(self, n: int, *, tag: str) -> float:
        """n issuances from one writer per security, back to back; returns the seconds from
        the first commit to the last confirmation."""
        self.activate()
        shares = [(t * n // LANES, (t + 1) * n // LANES) for t in range(LANES)]
        jobs = [self.issue_job(security=s, tag=f"{self.label}-{tag}", count=b - a, first=a)
                for s, (a, b) in zip(self.securities, shares, strict=True)]
        cpu_before = self.workers_cpu()
        started = time.monotonic()
        ids = [i for part in fork_writers(jobs, timeout=120 + n) for i in part]
        committed = time.monotonic() - started
        wait_confirmed(ids, timeout=120 + n)
        cpu = self.workers_cpu() - cpu_before
        rows = rows_of(ids)
        seconds = (max(r[2] for r in rows) - min(r[1] for r in rows)).total_seconds()
        by_lane: dict[int, int] = {}
        for lane, _c, _f in rows:
            by_lane[lane] = by_lane.get(lane, 0) + 1
        say(f"{self.label} {tag}: {n / seconds:.1f} actions/s ({n} issuances; register commits {n / committed:.1f}/s; "
            f"last confirmed {seconds:.1f}s after the first commit; actions per lane {dict(sorted(by_lane.items()))}; "
            f"worker CPU {1000 * cpu / n:.1f} ms per action)")
        return seconds

    def workers_cpu(self) -> float:
        """CPU seconds (user + system) the worker processes have used so far."""
        import psutil

        total = 0.0
        for proc in self.workers.procs.values():
            try:
                times = psutil.Process(proc.pid).cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
        return total

    def signers(self) -> str:
        from django.db.models import Count
        from eth_account import Account

        from chain.models import ChainTransaction

        self.activate()
        lane_of_address = {Account.from_key(k).address.lower(): i for i, k in enumerate(self.keys)}
        counts = (ChainTransaction.objects.filter(status="confirmed").values("signer").annotate(n=Count("id"))
                  .values_list("signer", "n"))
        per = {lane_of_address.get(s.lower(), s): n for s, n in counts}
        return "confirmed transactions per lane key " + str(dict(sorted(per.items(), key=str)))

    def window(self, *, tag: str, stuck_lane: int | None) -> tuple[list[int], list[tuple], float | None]:
        """One writer per security, one issuance every PACE seconds for STUCK_SECONDS; with
        ``stuck_lane``, that lane's next nonce is held for the window and released after it.
        Returns the window's entry ids, their rows (:func:`rows_of`), and (stuck) when the
        stuck tx was replaced (seconds from the window's start)."""
        from tests.chaos.harness import wait_settled

        wait_settled(timeout=120, what=f"{tag}: before the window")
        stuck = None
        if stuck_lane is not None:
            stuck = StuckTx(anvil=self.anvil, key=self.keys[stuck_lane])
            self._lane_idle(stuck)
            nonce = stuck.place()
            say(f"{tag}: lane {stuck_lane}'s next nonce {nonce} held by {stuck.tx_hash[:10]}.. (fee cap "
                f"{stuck.fees[0]} wei, tip {stuck.fees[1]} wei, gas {stuck.gas_limit}) for {STUCK_SECONDS:.0f}s")
        count = max(int(STUCK_SECONDS / PACE), 1)
        start_at = time.time() + 0.5
        t0 = time.monotonic() + 0.5
        jobs = [self.issue_job(security=s, tag=tag, count=count, first=t * count,
                               start_at=start_at + t * PACE / LANES, pace=PACE) for t, s in enumerate(self.securities)]
        ids_future = _Background(lambda: fork_writers(jobs, timeout=STUCK_SECONDS + 120))
        released = None
        if stuck is not None:
            time.sleep(max(t0 + STUCK_SECONDS - time.monotonic(), 0))
            if not stuck.held():
                raise AssertionError(f"{tag}: the stuck transaction was mined or dropped before its replacement")
            replacement = stuck.replace()
            released = time.monotonic() - t0
            say(f"{tag}: after {released:.1f}s the stuck transaction was still pending; replaced by "
                f"{replacement[:10]}..")
        ids = [i for part in ids_future.result() for i in part]
        wait_confirmed(ids, timeout=STUCK_SECONDS + 120)
        return ids, rows_of(ids), released

    def _lane_idle(self, stuck: StuckTx) -> None:
        """Nothing in flight on the lane and the platform's counter at the node's count: the
        stuck transaction takes the nonce the relay would use next."""
        from chain.models import SignerNonce

        chain_id = int(self.anvil.rpc("eth_chainId"), 16)
        counter = (SignerNonce.objects.filter(signer__iexact=stuck.account.address, chain_id=chain_id)
                   .values_list("next_nonce", flat=True).first())
        pending = stuck.pending_count()
        if counter is not None and counter != pending:
            raise AssertionError(f"lane key {stuck.account.address}: platform counter {counter}, node {pending}")

    def close(self) -> None:
        """Stop the workers and the node; the database is dropped by :class:`Databases`."""
        if self.driver is not None:
            self.driver.stop()
        if self.workers is not None:
            self.workers.close()
        if self.anvil is not None:
            self.anvil.close()
        self.driver = self.workers = self.anvil = None


class SavedSettings:
    """The settings and database name the worlds change (:meth:`LaneWorld.activate`), put back
    at the end."""

    NAMES = ("CHAIN_RPC_URL", "CHAIN_SIGNER_KEY", "CHAIN_SIGNER_KEYS", "CHAIN_CONFIRMATIONS", "OUTBOX_KICK_TASK",
             "OUTBOX_KICK_QUEUE")

    def __init__(self) -> None:
        from django.conf import settings
        from django.db import connection

        self.values = {name: getattr(settings, name, None) for name in self.NAMES}
        self.database = connection.settings_dict["NAME"]

    def restore(self) -> None:
        from django.conf import settings
        from django.db import connection

        for name, value in self.values.items():
            setattr(settings, name, value)
        connection.close()
        connection.settings_dict["NAME"] = self.database


class Databases:
    """The lanes run's two throwaway databases: copies (CREATE DATABASE ... TEMPLATE, what
    Django's parallel test runner does) of the bench's freshly migrated database, made right
    after it is created (a copy takes a moment, migrating again ~half a minute), dropped at
    the end."""

    LABELS = ("lanes1", "lanes4")

    def __init__(self) -> None:
        from django.db import connection

        self.names = {}
        for label in self.LABELS:
            connection.creation.clone_test_db(suffix=label, verbosity=0)
            self.names[label] = connection.creation.get_test_db_clone_settings(label)["NAME"]

    def drop(self) -> None:
        from django.db import connection

        connection.close()
        for name in self.names.values():
            connection.creation._destroy_test_db(name, verbosity=0)
        self.names = {}


class _Background:
    """Call ``fn`` in a thread; :meth:`result` waits for it (re-raising its error)."""

    def __init__(self, fn: Callable) -> None:
        import threading

        self._value, self._error = None, None

        def run() -> None:
            try:
                self._value = fn()
            except BaseException as error:  # noqa: BLE001 (re-raised by result())
                self._error = error

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


# ---------------------------------------------------------------- the run

def isolation(world: LaneWorld) -> float:
    """The isolation windows; returns lanes_isolation."""
    stuck_lane = world.lane_of[world.securities[-1].pk]
    others = {lane for pk, lane in world.lane_of.items() if lane != stuck_lane}
    results = {}
    for label, lane in (("baseline", None), ("stuck", stuck_lane)):
        ids, rows, released = world.window(tag=f"iso-{label}", stuck_lane=lane)
        lat = {}
        for row_lane, created, confirmed in rows:
            lat.setdefault(row_lane, []).append((confirmed - created).total_seconds() * 1000)
        other = [v for k in others for v in lat.get(k, [])]
        results[label] = p50(other)
        per_lane = ", ".join(f"lane {k}{' (stuck)' if k == lane else ''} p50 {p50(v):.0f} ms max {max(v):.0f} ms"
                             for k, v in sorted(lat.items()))
        say(f"isolation {label}: {len(rows)} actions in {STUCK_SECONDS:.0f}s; {per_lane}; other lanes p50 "
            f"{results[label]:.0f} ms ({stages(ids, lanes=others)})")
        if lane is not None:
            first_done = min(confirmed for row_lane, _c, confirmed in rows if row_lane == lane)
            window_start = min(created for _l, created, _f in rows)
            early = (first_done - window_start).total_seconds()
            if early < released - 1.0:
                raise AssertionError(f"the stuck lane confirmed an action {early:.1f}s into the window, before its "
                                     f"stuck nonce was replaced ({released:.1f}s)")
            say(f"isolation stuck: lane {lane}'s first confirmation {early:.1f}s into the window (replaced at "
                f"{released:.1f}s)")
    return results["stuck"] / results["baseline"]


def enabled() -> bool:
    return os.environ.get("BENCH_LANES", "1") != "0"


def run(*, redis, databases: Databases | None) -> dict[str, float]:
    """The lanes run, on ``databases`` (None: skipped)."""
    nan = float("nan")
    result = {"lanes_isolation": nan, "lanes_throughput_4": nan}
    if databases is None:
        say("skipped (BENCH_LANES=0)")
        return result
    with_lanes = lanes_available()
    say(f"n={N} workers={WORKERS} pace={PACE}s window={STUCK_SECONDS:.0f}s block time {BLOCK_SECONDS}s; "
        f"signer lanes in the platform: {'yes' if with_lanes else 'NO (1-lane parts only)'}")
    parts = os.environ.get("BENCH_LANES_PARTS", "throughput,isolation").split(",")
    saved = SavedSettings()
    worlds: dict[int, LaneWorld] = {}
    try:
        if "throughput" in parts:
            worlds[1] = LaneWorld(lanes=1, redis=redis, with_lanes=with_lanes, database=databases.names["lanes1"])
        if with_lanes:
            worlds[LANES] = LaneWorld(lanes=LANES, redis=redis, with_lanes=True, database=databases.names["lanes4"])
        if "throughput" in parts and with_lanes:
            # Both worlds are up; their bursts alternate (1, 4, 4, 1, 1, 4, ...), so a change in
            # the machine's load (other work on the box) falls on both alike. The idle world's
            # workers are stopped (SIGSTOP) meanwhile: its empty sweeps would cost the other CPU.
            seconds = {1: 0.0, LANES: 0.0}
            order = [w for r in range(ROUNDS) for w in ((1, LANES) if r % 2 == 0 else (LANES, 1))]
            for i, lanes in enumerate(order):
                idle = worlds[1 if lanes == LANES else LANES].workers
                idle.pause()
                try:
                    seconds[lanes] += worlds[lanes].throughput(N, tag=f"tp{i}")
                finally:
                    idle.resume()
            tps = {lanes: ROUNDS * N / s for lanes, s in seconds.items()}
            result["lanes_throughput_4"] = tps[LANES] / tps[1]
            say(f"throughput over {ROUNDS} bursts each: 1 lane {tps[1]:.1f} actions/s, {LANES} lanes "
                f"{tps[LANES]:.1f} actions/s; {worlds[LANES].signers()}")
        elif "throughput" in parts:
            worlds[1].throughput(N, tag="tp0")
        if 1 in worlds:
            worlds.pop(1).close()
        if "isolation" in parts and with_lanes:
            worlds[LANES].activate()
            result["lanes_isolation"] = isolation(worlds[LANES])
    finally:
        for world in worlds.values():
            world.close()
        saved.restore()
    say(f"throughput 4 lanes / 1 lane = {result['lanes_throughput_4']:.2f}; isolation (other lanes' p50, stuck / "
        f"free) = {result['lanes_isolation']:.2f}")
    return result


def fmt(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.2f}"
