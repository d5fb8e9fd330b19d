"""The distribution benchmark (issue 14, `make bench-distribution`): a coupon to BENCH_HOLDERS
(default 10,000) holders on ONE private anvil, through the platform.

Setup (not measured; tests/chaos/coupon.py, the chaos test's coupon setup): the investor
registry and a bond of an approved issuer deployed, BENCH_HOLDERS KYC-approved investors
written with bulk_create and registered on chain with `registerWallets` (200 a transaction),
their units issued through the register (tokens_issue_many, 200 a transaction, relayed as
batchMint by the workers) as if bought 30 days ago, the JPY cash token, the issuer's treasury
funded through the cash desk, the bond's schedule (actions_from_schedule): the first coupon's
record and payment dates are past. Real Celery worker processes (BENCH_WORKERS, default 2)
relay and confirm, as in `make bench-mirror`.

Measured:
  compute_seconds: servicing.services.record.record_close for the coupon: the record block,
      the holders' balances and the supply read at that block through the chain port, the
      register's snapshot of the record date, and the BENCH_HOLDERS entitlement lines
      (withholding per holder) written. The payment run's planning (batches of
      SERVICING_BATCH_SIZE lines, their holds and outbox rows) is timed too and printed.
  gas_per_holder: the payment's batchPay transactions (the cash token, treasury -> holders):
      sum of their gasUsed / holders paid.
  naive_gas_per_holder: what a paying agent without batches sends: one plain `transfer` of the
      cash token from the paying wallet to a holder, to BENCH_NAIVE (default 8) holders in the
      state the measured batches met them (no cash yet: each hands its cash back first, not
      measured), through anvil's impersonation (gas does not depend on who signs), averaged.
      A diagnostic line compares a later coupon too (holders that already hold cash: a batchPay
      sent by the agent against plain transfers), not in the RESULT.
Last line: RESULT holders=.. compute_seconds=.. gas_per_holder=.. naive_gas_per_holder=.. gas_vs_naive=..
Goals: compute_seconds < 2, gas_vs_naive <= 0.5.

Isolation as in bench/bench_mirror.py: a private Redis, a private anvil, a throwaway database
(BENCH_DB_NAME, default "bench_distribution") created and dropped on the embedded server.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOLDERS = int(os.environ.get("BENCH_HOLDERS", "10000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
NAIVE = int(os.environ.get("BENCH_NAIVE", "8"))


def say(text: str) -> None:
    print(f"bench-distribution: {text}", flush=True)


def _impersonated(node, *, sender: str, token: str, data: bytes) -> dict:
    """A transaction from any address through anvil's impersonation (gas does not depend on who
    signs), waited for (status 1)."""
    from tests.chaos.coupon import send_from

    node.rpc("anvil_setBalance", [sender, hex(10**18)])
    node.rpc("anvil_impersonateAccount", [sender])
    try:
        return send_from(node, sender=sender, to=token, data=data)
    finally:
        node.rpc("anvil_stopImpersonatingAccount", [sender])


def naive_transfers(*, node, token: str, payer: str, wallets: list[str], amount: int, empty: bool) -> list[int]:
    """gasUsed of one plain `transfer(holder, amount)` of the cash token from the paying wallet
    per holder in `wallets`: what a paying agent without batches would send. `empty`: each holder
    first hands its whole cash balance back to the payer (not measured), so the transfer meets a
    holder with no cash, as the measured batches did (the first payment to a holder writes a zero
    balance word non-zero, ~20k gas whoever sends it); otherwise the holders keep their cash."""
    from eth_abi import encode
    from eth_utils import keccak

    transfer = keccak(text="transfer(address,uint256)")[:4]
    balance_of = keccak(text="balanceOf(address)")[:4]
    gas = []
    for holder in wallets:
        if empty:
            call = {"to": token, "data": "0x" + (balance_of + encode(["address"], [holder])).hex()}
            balance = int(node.rpc("eth_call", [call, "latest"]), 16)
            if balance:
                _impersonated(node, sender=holder, token=token,
                              data=transfer + encode(["address", "uint256"], [payer, balance]))
        receipt = _impersonated(node, sender=payer, token=token,
                                data=transfer + encode(["address", "uint256"], [holder, amount]))
        gas.append(int(receipt["gasUsed"], 16))
    return gas


def batch_pay_again(*, node, agent: str, token: str, payer: str, wallets: list[str]) -> int:
    """gasUsed / holder of one batchPay(ref, payer, wallets, 1 each) sent by the agent account
    (unlocked on the node) to holders that already hold cash."""
    from eth_abi import encode
    from eth_utils import keccak

    from tests.chaos.coupon import send_from

    data = keccak(text="batchPay(bytes32,address,address[],uint256[])")[:4] + encode(
        ["bytes32", "address", "address[]", "uint256[]"],
        [keccak(text="bench:batch-pay-again"), payer, wallets, [1] * len(wallets)])
    receipt = send_from(node, sender=agent, to=token, data=data)
    return int(receipt["gasUsed"], 16) // len(wallets)


def profiled(function, **kwargs):
    """function(**kwargs); with BENCH_PROFILE=1 its hottest calls are printed (cProfile)."""
    if os.environ.get("BENCH_PROFILE") != "1":
        return function(**kwargs)
    import cProfile
    import io
    import pstats

    profile = cProfile.Profile()
    result = profile.runcall(function, **kwargs)
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
    say(out.getvalue())
    return result


def run(*, redis, anvil) -> str:
    from django.conf import settings
    from django.db import connection
    from django.db.models import Sum

    from accounts.models import Role
    from accounts.tests.factories import UserFactory
    from cash.services.tokens import cash_token_create
    from chain.indexer import index_sweep
    from chain.models import ChainTransaction, DeployedContract, token_contract_name
    from chain.web3_backend import Web3Backend
    from servicing.models import CorporateAction, EntitlementLine, PaymentBatch
    from servicing.services.payments import payment_run
    from servicing.services.record import record_close
    from tests.chaos.coupon import coupon_setup, coupon_start, wait_paid
    from tests.chaos.harness import Driver, Workers, wait_settled, worker_env, world_setup

    settings.CHAIN_RPC_URL, settings.CHAIN_SIGNER_KEY = anvil.rpc_url, anvil.signer_key
    settings.CHAIN_CONFIRMATIONS = 0
    backend = Web3Backend(anvil.rpc_url, anvil.signer_key, timeout=30)
    queue = f"bench-distribution-{os.getpid()}"
    workers = Workers(queue=queue, env=worker_env(database=connection.settings_dict, redis=redis, anvil=anvil),
                      count=WORKERS)
    driver = Driver(redis=redis, queue=queue, period=0.5, max_depth=2)
    settings.OUTBOX_KICK_TASK = "chain.relay_sweep"
    settings.OUTBOX_KICK_QUEUE = queue
    workers.start_all()
    try:
        workers.wait_ready(timeout=90)
        driver.start()
        started = time.monotonic()
        world = world_setup(backend=backend, investors=1)
        cash = cash_token_create(currency="JPY", actor=UserFactory(role=Role.CASH_AGENT)).security
        wait_settled(timeout=120, what="cash token")
        cw = coupon_setup(world=world, backend=backend, node=anvil.node, holders=HOLDERS, cash=cash, tag="bench",
                          settle_timeout=600, log=say)
        say(f"setup {time.monotonic() - started:.1f}s for {HOLDERS} holders: "
            + ", ".join(f"{k} {v:.1f}s" for k, v in cw.setup_seconds.items()))

        index_sweep(backend=backend)   # beat's: the record block never passes what the indexer has read
        mark = time.perf_counter()
        action = profiled(record_close, action=cw.action)
        compute = time.perf_counter() - mark
        if action.status != CorporateAction.Status.RECORDED:
            raise RuntimeError(f"record close left the coupon {action.status}: {action.blocked_reason!r}")
        lines = EntitlementLine.objects.filter(action=action).count()
        say(f"record close: {lines} lines in {compute:.3f}s (gross {action.gross_total}, withheld "
            f"{action.withheld_total}, net {action.net_total} JPY; record block {action.record_block})")
        if lines != HOLDERS:
            raise RuntimeError(f"{lines} lines for {HOLDERS} holders")

        cw.action = action
        coupon_start(cw)
        mark = time.perf_counter()
        batches = profiled(payment_run, action=cw.action)
        planning = time.perf_counter() - mark
        say(f"payment run planning: {len(batches)} batches of up to {settings.SERVICING_BATCH_SIZE} lines in "
            f"{planning:.3f}s")
        mark = time.monotonic()
        waited = wait_paid(cw, timeout=600)
        wait_settled(timeout=120, what="payment batches")
        action.refresh_from_db()
        if action.status != CorporateAction.Status.PAID:
            raise RuntimeError(f"coupon {action.status} after {waited:.0f}s")
        say(f"paid in {time.monotonic() - mark:.1f}s")

        cash_batches = PaymentBatch.objects.filter(action=action, kind=PaymentBatch.Kind.CASH,
                                                   status=PaymentBatch.Status.PAID)
        txs = ChainTransaction.objects.filter(entry_id__in=cash_batches.values("outbox_id"),
                                              status=ChainTransaction.Status.CONFIRMED)
        total_gas = txs.aggregate(gas=Sum("gas_used"))["gas"] or 0
        paid = EntitlementLine.objects.filter(action=action, status=EntitlementLine.Status.PAID).count()
        functions = sorted(set(txs.values_list("function", flat=True)))
        say(f"{txs.count()} confirmed payment transactions ({', '.join(functions)}), {total_gas:,} gas for "
            f"{paid} holders")
        gas_per_holder = total_gas // paid

        token = DeployedContract.objects.get(name=token_contract_name(cash.pk), chain_id=backend.chain_id()).address
        # Like with like: the measured batches paid each holder's first cash, so the naive
        # transfers meet holders with no cash too (the last NAIVE holders, emptied first).
        line_units = int(EntitlementLine.objects.filter(action=action).values_list("net", flat=True).first())
        sample = [w.address for w in cw.wallets[-NAIVE:]]
        naive = naive_transfers(node=anvil.node, token=token, payer=cw.treasury_wallet, wallets=sample,
                                amount=line_units, empty=True)
        naive_per_holder = sum(naive) // len(naive)
        say(f"naive: {NAIVE} cash token transfers paying wallet -> a holder without cash: {naive} gas")
        later = naive_transfers(node=anvil.node, token=token, payer=cw.treasury_wallet, wallets=sample,
                                amount=line_units, empty=False)
        again = batch_pay_again(node=anvil.node, agent=backend.address, token=token, payer=cw.treasury_wallet,
                                wallets=[w.address for w in cw.wallets[:settings.SERVICING_BATCH_SIZE]])
        later_per_holder = sum(later) // len(later)
        say(f"diagnostic, not in RESULT (a later coupon: holders that already hold cash): batchPay {again} gas "
            f"per holder against a plain transfer {later_per_holder} = {again / later_per_holder:.3f}")
    finally:
        driver.stop()
        workers.close()
        settings.OUTBOX_KICK_TASK = ""
    return (f"RESULT holders={HOLDERS} compute_seconds={compute:.3f} gas_per_holder={gas_per_holder} "
            f"naive_gas_per_holder={naive_per_holder} gas_vs_naive={gas_per_holder / naive_per_holder:.3f}")


def main() -> int:
    from bench.isolation import run_isolated

    print(run_isolated(run, database="bench_distribution", with_anvil=True), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
