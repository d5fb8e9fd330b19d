"""Faults (issue 6): at least 1,000 token actions go through real Celery worker processes on
Redis and anvil while workers are SIGKILLed at random moments, the broker is restarted twice
and anvil is stopped (SIGSTOP, state kept) for a while. After the system settles, every action
is confirmed exactly once and chain and register agree.

One action in five is a delivery-versus-payment trade between investors on the bond's board
(issue 13, tests/chaos/dvp.py), some made to fail on purpose (expired on chain, buyer without
cash, ineligible buyer): each ends settled (both legs moved) or failed (neither), in the
register and on chain alike (half_settled = 0).

And a coupon of another bond is paid to CHAOS_COUPON_HOLDERS (default 1,000) holders of record
while it all happens (issue 14, tests/chaos/coupon.py): it is approved as the faults start, and
the workers' servicing.sweep (sent like beat would) records it and pays it in batches of cash
token transfers; at the end every line is paid exactly once (paid_twice = unpaid = 0).

CHAOS_ACTIONS (default 1000), CHAOS_SECONDS (the actions are fed in over at least this long,
faults are injected while they are; default 20), CHAOS_KILLS (worker kills spread over the run by
its progress, default 15), CHAOS_WORKERS (default 3), CHAOS_LANES (signer lanes, default 2: the
tokens spread over two agent keys, and every lane must have carried confirmed transactions),
CHAOS_SEED (default: random, printed) tune a run."""

from __future__ import annotations

import os
import random
import threading
import time

import pytest

from chain.models import ChainTransaction

from .coupon import coupon_setup, coupon_start, coupon_verify, wait_paid
from .dvp import SETTLEMENT_KINDS, TradeFeeder, dvp_verify, market_setup, plan
from .harness import issue, ledger_available, transfer, verify, wait_settled, world_setup

pytestmark = [pytest.mark.chaos, pytest.mark.django_db(transaction=True)]

ACTIONS = int(os.environ.get("CHAOS_ACTIONS", "1000"))
SECONDS = float(os.environ.get("CHAOS_SECONDS", "20"))
INVESTORS = 8
COUPON_HOLDERS = int(os.environ.get("CHAOS_COUPON_HOLDERS", "1000"))
KILLS = int(os.environ.get("CHAOS_KILLS", "15"))
ANVIL_PAUSE_SECONDS = 4.0


def kill_points(rng: random.Random, kills: int, *, first: float = 0.02, last: float = 0.95) -> list[float]:
    """Where (as a share of the actions fed in) the ``kills`` worker kills fall: one at a random
    point of each of ``kills`` equal slices of [first, last], so the count is fixed (a slow box
    gets the same faults as a fast one, not more) and the moments stay random."""
    width = (last - first) / kills
    return [first + width * (i + rng.uniform(0.1, 0.9)) for i in range(kills)]


class Chaos(threading.Thread):
    """While the actions are fed in: kills a random worker (and starts it again) at KILLS
    random points spread over the actions' progress (:func:`kill_points`); restarts the broker
    when 25% and 70% of the actions are in; stops anvil (SIGSTOP, state kept) for a few seconds
    at 45%."""

    def __init__(self, stack, *, rng: random.Random, progress, kills: int = KILLS) -> None:
        super().__init__(daemon=True, name="chaos")
        self.stack, self.rng, self.progress = stack, rng, progress
        self.kill_at = kill_points(rng, kills)
        self.stopping = threading.Event()
        self.log: list[str] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # noqa: BLE001 (reported by the test)
            self.error = exc

    def _run(self) -> None:
        start = time.monotonic()
        events = [(0.25, "redis"), (0.45, "anvil"), (0.70, "redis")]
        kill_at = list(self.kill_at)
        while not self.stopping.is_set() or (kill_at and self.progress() >= kill_at[0]):   # due kills happen
            now, progress = time.monotonic(), self.progress()
            if events and progress >= events[0][0]:
                _, what = events.pop(0)
                if what == "redis":
                    self.stack.redis.restart()
                    self.log.append(f"{now - start:5.1f}s broker restarted")
                else:
                    self.stack.anvil.pause()
                    self.log.append(f"{now - start:5.1f}s anvil stopped")
                    time.sleep(ANVIL_PAUSE_SECONDS)   # the fault's duration
                    self.stack.anvil.resume()
                    self.log.append(f"{time.monotonic() - start:5.1f}s anvil resumed")
            elif kill_at and progress >= kill_at[0]:   # one fault per pass: kills never pile up
                kill_at.pop(0)
                index = self.stack.workers.kill_random_and_restart(self.rng)
                self.log.append(f"{now - start:5.1f}s ({progress:4.0%}) worker {index} SIGKILLed and restarted")
            self.stopping.wait(0.05)


def test_actions_survive_worker_kills_broker_restarts_and_a_stopped_node(chaos_stack, result_line, settings):
    seed = int(os.environ.get("CHAOS_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    backend = chaos_stack.backend()
    world = world_setup(backend=backend, investors=INVESTORS)
    market = market_setup(world=world, node=chaos_stack.anvil.node)
    coupon = coupon_setup(world=world, backend=backend, node=chaos_stack.anvil.node, holders=COUPON_HOLDERS,
                          cash=market.cash, seed=seed)
    print(f"\nchaos: coupon setup for {COUPON_HOLDERS} holders: "
          + ", ".join(f"{k} {v:.1f}s" for k, v in coupon.setup_seconds.items()))
    print(f"\nchaos: seed={seed} actions={ACTIONS} window={SECONDS}s workers={chaos_stack.workers.count} "
          f"register={'ledger.tokens_issue' if ledger_available() else 'outbox token.mint rows'}")

    expected: dict[str, int] = {}
    entry_ids: list[int] = []
    chaos = Chaos(chaos_stack, rng=random.Random(rng.random()),
                  progress=lambda: (len(entry_ids) + len(market.trades)) / ACTIONS)
    transfers = 0
    feeder = TradeFeeder(market)
    started = time.monotonic()
    coupon_start(coupon)                             # approved: the sweep records and pays it from now on
    chaos_stack.driver.extra = ("chain.index_sweep", "servicing.sweep")
    chaos.start()
    feeder.start()
    try:
        for n in range(ACTIONS):
            wallet, amount = rng.choice(world.wallets), rng.randint(1, 1000)
            if n % 5 == 2:   # one in five: a DvP trade on the board (fed by the feeder's threads)
                feeder.put(plan(market=market, rng=rng, n=n))
            elif ledger_available() and n % 10 == 9 and expected.get(wallet, 0) >= amount:   # every 10th: a transfer
                to = rng.choice([w for w in world.wallets if w != wallet])
                entry_ids.append(transfer(world=world, from_wallet=wallet, to_wallet=to, amount=amount, n=n,
                                          tag=f"chaos{seed}"))
                expected[wallet] -= amount
                expected[to] = expected.get(to, 0) + amount
                transfers += 1
            else:
                entry_ids.append(issue(world=world, wallet=wallet, amount=amount, n=n, tag=f"chaos{seed}"))
                expected[wallet] = expected.get(wallet, 0) + amount
            lag = started + SECONDS * (n + 1) / ACTIONS - time.monotonic()   # feed over at least SECONDS
            if lag > 0:
                time.sleep(lag)   # pacing of the load generator, not a wait for a result
        others_in = time.monotonic() - started
        feeder.finish(timeout=600)
    finally:
        feeder.stop()
        chaos.stopping.set()
        chaos.join(timeout=30)
        chaos_stack.anvil.resume()
    assert chaos.error is None, chaos.error
    assert not feeder.errors, feeder.errors
    for line in chaos.log:
        print(f"chaos: {line}")
    print(f"chaos: {ACTIONS - transfers - len(market.trades)} issuances and {transfers} transfers fed in "
          f"{others_in:.1f}s, {len(market.trades)} trades by {time.monotonic() - started:.1f}s")

    # Settle: every worker up again, then bounded polling until nothing is pending/submitted.
    for index, proc in chaos_stack.workers.procs.items():
        if proc.poll() is not None:
            chaos_stack.workers.start(index)
    settled_in = wait_settled(timeout=180, what="chaos settle", may_fail=SETTLEMENT_KINDS)
    paid_in = wait_paid(coupon, timeout=180)
    wait_settled(timeout=120, what="coupon settle", may_fail=SETTLEMENT_KINDS)
    checks_started = time.monotonic()
    verdict = verify(world=world, entry_ids=entry_ids, expected=expected, backend=backend)
    dvp = dvp_verify(market=market, backend=backend)
    paid = coupon_verify(cw=coupon, backend=backend)
    checks_in = time.monotonic() - checks_started
    lost, duplicated, breaks = verdict.lost + dvp.lost, verdict.duplicated + dvp.duplicated, verdict.breaks + dvp.breaks
    breaks += paid.breaks
    print(f"chaos: settled {settled_in:.1f}s after the last action; total "
          f"{time.monotonic() - started:.1f}s; broker restarts {chaos_stack.redis.restarts}, anvil pauses "
          f"{chaos_stack.anvil.pauses}, driver sends {chaos_stack.driver.sent} "
          f"(failed {chaos_stack.driver.send_errors})")
    print(f"chaos: coupon paid {paid_in:.1f}s after the outbox settled; the checks took {checks_in:.1f}s")
    for line in verdict.details + dvp.details + paid.details:
        print(f"chaos: {line}")
    actions = verdict.actions + len(market.trades)
    signers = set(ChainTransaction.objects.filter(status=ChainTransaction.Status.CONFIRMED)
                  .values_list("signer", flat=True))
    print(f"chaos: {len(signers)} signer lanes sent confirmed transactions")
    result_line(f"RESULT actions={actions} kills={chaos_stack.workers.kills} lost={lost} "
                f"duplicated={duplicated} breaks={breaks} dvp_settled={dvp.settled} dvp_failed={dvp.failed} "
                f"half_settled={dvp.half_settled} payment_lines={paid.payment_lines} paid_twice={paid.paid_twice} "
                f"unpaid={paid.unpaid}")
    assert actions >= ACTIONS
    assert chaos_stack.workers.kills > 0
    assert chaos_stack.workers.kills == len(chaos.kill_at), chaos.log   # the fixed count, however slow the box
    assert (lost, duplicated, breaks) == (0, 0, 0), verdict.details + dvp.details + paid.details
    assert paid.payment_lines >= COUPON_HOLDERS, paid.details
    assert (paid.paid_twice, paid.unpaid) == (0, 0), paid.details
    assert dvp.settled + dvp.failed >= ACTIONS // 5 and dvp.settled and dvp.failed, dvp.details
    assert dvp.half_settled == 0, dvp.details
    assert len(signers) == len(settings.CHAIN_SIGNER_KEYS or [None])   # every lane carried actions
    assert dvp.unexpected == 0, dvp.details
