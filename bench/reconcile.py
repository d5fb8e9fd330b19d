"""The reconciliation benchmark (issue 16, `make bench-reconcile`): BENCH_HOLDERS (default
100,000) holders of one security on a private anvil, reconciled in full, then incrementally
after 1,000 random transfers, against the one-call-per-value approach on a sample.

Setup (not measured; the fastest honest path, everything in big batches):
  * the registry and the token deployed directly (as `manage.py chain_deploy` does), with a
    private anvil whose block gas limit is raised so one transaction carries 4,000 wallets;
  * BENCH_HOLDERS KYC-approved investors (users, profiles, wallets) written with bulk_create;
    their registry records written straight into the registry's `_records` mapping with
    `anvil_setStorageAt` in JSON-RPC batches (exactly the word `registerWallets` stores,
    InvestorRecord.sol; checked on a sample against `investorOf`). Through `registerWallets`
    (74k gas a wallet) 100,000 registrations took over 8 minutes on this 2-core machine;
    BENCH_REGISTRY=transactions uses it anyway;
  * their units minted with `batchMint`, 4,000 wallets a transaction (BENCH_MINT_CHUNK);
  * the register side in bulk SQL: one confirmed `token.mint` outbox row, one ISSUE TokenAction
    (its outbox key `action:<id>`) and one Position per holder, the control book; every row
    dated an hour ago (the holdings are old, as they would be); the indexer's cursor after the
    setup and a SeenWallet per holder (what the indexer would have recorded for the mints).

Measured:
  full_seconds: `reconcile_run(mode="full")` (index sweep, every wallet's balance and frozen
      amount read at one pinned block with BalanceReader, supply, the register's invariants,
      the registry's records of every holder, the Reconciliation row). Must find 0 breaks.
  incremental_seconds: 1,000 transfers between random holders made on chain (each by its
      holder, through anvil's impersonation, mined together), recorded in the register by the
      platform's indexer (`index_sweep`, the beat's job every 10 s, not timed), then
      `reconcile_run(mode="incremental")` (with its own index sweep). Must find 0 breaks.
  After the setup and after the transfers the chain moves CHAIN_REORG_DEPTH + 1 empty blocks on
  (anvil_mine), as it does in the minutes between two runs: the indexer re-reads (and web3
  decodes, some 5 ms an event here) the last CHAIN_REORG_DEPTH blocks on every sweep, which on
  this six-block chain would be the whole setup.
  naive_seconds: the approach before issue 16's first change, two `eth_call`s per wallet one
      after the other (`balance_of`, `frozen_balance_of`), on BENCH_NAIVE_SAMPLE (2,000) random
      holders, scaled to BENCH_HOLDERS. speedup = naive_seconds / full_seconds.
Diagnostic lines (not in RESULT): the same full read through JSON-RPC batches of 500 wallets
(two eth_calls each), the reader alone.
Last line: RESULT holders=.. full_seconds=.. incremental_seconds=.. naive_seconds=.. speedup=..
Goals: full < 10 s, incremental < 1 s, speedup >= 50.

Isolation as in bench/bench_mirror.py: a private Redis, a private anvil, a throwaway database
(BENCH_DB_NAME, default "bench_reconcile") created and dropped on the embedded server.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOLDERS = int(os.environ.get("BENCH_HOLDERS", "100000"))
TRANSFERS = int(os.environ.get("BENCH_TRANSFERS", "1000"))
NAIVE_SAMPLE = int(os.environ.get("BENCH_NAIVE_SAMPLE", "2000"))
MINT_CHUNK = int(os.environ.get("BENCH_MINT_CHUNK", "4000"))
REGISTRY_BY_TRANSACTIONS = os.environ.get("BENCH_REGISTRY", "storage") == "transactions"
JP = 392
AGO = dt.timedelta(hours=1)


def say(text: str) -> None:
    print(f"bench-reconcile: {text}", flush=True)


class Node:
    """A private anvil (the test profile) with a block gas limit for 4,000-wallet batches."""

    def __init__(self) -> None:
        from chain.node_config import anvil_command
        from chain.testing import DEV_KEYS, Anvil

        argv, port = anvil_command("test")
        self.proc = subprocess.Popen([*argv, "--gas-limit", "30000000000"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        self.node = Anvil(rpc_url=f"http://127.0.0.1:{port}", keys=DEV_KEYS)
        import requests

        self.session = requests.Session()
        deadline = time.monotonic() + 30
        while True:
            try:
                self.node.rpc("eth_chainId")
                break
            except (requests.ConnectionError, requests.Timeout):
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("anvil did not start") from None
                time.sleep(0.05)

    def batch(self, calls: list[tuple[str, list]], *, timeout: float = 300) -> list:
        body = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)]
        answers = {a["id"]: a for a in self.session.post(self.node.rpc_url, json=body, timeout=timeout).json()}
        out = []
        for i in range(len(calls)):
            if "error" in answers[i]:
                raise RuntimeError(f"{calls[i][0]}: {answers[i]['error']}")
            out.append(answers[i]["result"])
        return out

    def send_in_one_block(self, calls: list[tuple[str, str, bytes, int]]) -> int:
        """(sender, to, data, gas) transactions from unlocked accounts, mined together in ONE block:
        anvil's time per block grows with its state (here ~30 s a block at 100,000 holders), so the
        setup mines few blocks. Every one must succeed; returns the block."""
        self.batch([("evm_setAutomine", [False])])
        try:
            hashes = [self.batch([("eth_sendTransaction", [{"from": sender, "to": to, "data": "0x" + data.hex(),
                                                            "gas": hex(gas)}])])[0]
                      for sender, to, data, gas in calls]
            self.batch([("evm_mine", [])])
        finally:
            self.batch([("evm_setAutomine", [True])])
        receipts = self.batch([("eth_getTransactionReceipt", [h]) for h in hashes])
        bad = [r for r in receipts if r is None or int(r["status"], 16) != 1]
        if bad:
            raise RuntimeError(f"{len(bad)} of {len(calls)} transactions not mined or reverted")
        return int(receipts[-1]["blockNumber"], 16)

    def close(self) -> None:
        from chain.testing import stop_anvil

        stop_anvil(self.proc)


def holders_create(count: int) -> list[tuple[int, str]]:
    """``count`` approved investors, one active on-registry wallet each: [(user id, wallet)]."""
    from django.db import transaction
    from django.utils import timezone
    from eth_utils import keccak, to_checksum_address

    from accounts.models import Role, User
    from core.clock import business_today
    from investors.models import InvestorProfile, Wallet

    expires = business_today() + dt.timedelta(days=365)
    then = timezone.now() - AGO
    out = []
    for start in range(0, count, 10_000):
        n = min(10_000, count - start)
        with transaction.atomic():
            users = User.objects.bulk_create([
                User(email=f"holder-{start + i}@bench.test", full_name=f"Holder {start + i}", role=Role.INVESTOR,
                     password="!") for i in range(n)])
            profiles = InvestorProfile.objects.bulk_create([
                InvestorProfile(user=u, kind="individual", legal_name=u.full_name, nationality="JP",
                                residence_country="JP", tax_residency="JP",
                                investor_status=InvestorProfile.InvestorStatus.RETAIL,
                                kyc_status=InvestorProfile.KycStatus.APPROVED, kyc_expires_on=expires) for u in users])
            wallets = Wallet.objects.bulk_create([
                Wallet(profile=p, address=to_checksum_address(keccak(text=f"bench-holder-{start + i}")[-20:]),
                       on_registry=True, verified_at=then) for i, p in enumerate(profiles)])
        out += [(u.pk, w.address) for u, w in zip(users, wallets, strict=True)]
    return out


def registry_fill(*, node: Node, backend, registry: str, holders: list[tuple[int, str]]) -> None:
    """The registry's record of every holder (module doc)."""
    from eth_abi import encode
    from eth_utils import keccak

    from investors.models import InvestorProfile
    from investors.registry import attributes

    sample = InvestorProfile.objects.filter(user_id=holders[0][0]).get()
    a = attributes(sample)
    flags = (1 if a.accredited else 0) | (2 if a.qualified else 0)
    if REGISTRY_BY_TRANSACTIONS:
        selector = keccak(text="registerWallets(bytes32,(address,uint64,uint16,uint40,uint8)[])")[:4]
        calls = []
        for start in range(0, len(holders), MINT_CHUNK):
            regs = [(w, uid, a.country, a.kyc_expiry, flags) for uid, w in holders[start:start + MINT_CHUNK]]
            calls.append((backend.address, registry, selector + encode(
                ["bytes32", "(address,uint64,uint16,uint40,uint8)[]"], [keccak(text=f"bench:reg:{start}"), regs]),
                90_000 * len(regs)))
        node.send_in_one_block(calls)
        return
    # InvestorRegistry's storage: _roles (slot 0), _records (slot 1): the record of a wallet
    # is at keccak(wallet . 1) (forge inspect InvestorRegistry storageLayout).
    calls = []
    for uid, wallet in holders:
        slot = "0x" + keccak(bytes(12) + bytes.fromhex(wallet[2:]) + (1).to_bytes(32, "big")).hex()
        record = uid | (a.country << 64) | (a.kyc_expiry << 80) | (flags << 120)
        calls.append(("anvil_setStorageAt", [registry, slot, f"0x{record:064x}"]))
    for start in range(0, len(calls), 5000):
        node.batch(calls[start:start + 5000])
    node.batch([("evm_mine", [])])
    for uid, wallet in random.Random(1).sample(holders, min(20, len(holders))):
        investor_id, country, expiry, _flags, active = backend.read("InvestorRegistry", registry, "investorOf", wallet)
        if (investor_id, country, expiry, active) != (uid, a.country, a.kyc_expiry, True):
            raise RuntimeError(f"registry record of {wallet} reads {investor_id, country, expiry, active}")


def mint(*, node: Node, backend, token: str, holders: list[tuple[int, str]], amounts: list[int]) -> int:
    """batchMint in chunks, all mined in one block; returns it."""
    from eth_abi import encode
    from eth_utils import keccak

    selector = keccak(text="batchMint(bytes32,address[],uint256[])")[:4]
    calls = []
    for start in range(0, len(holders), MINT_CHUNK):
        wallets = [w for _u, w in holders[start:start + MINT_CHUNK]]
        data = selector + encode(["bytes32", "address[]", "uint256[]"],
                                 [keccak(text=f"bench:mint:{start}"), wallets, amounts[start:start + MINT_CHUNK]])
        calls.append((backend.address, token, data, 40_000 * len(wallets)))
    return node.send_in_one_block(calls)


def register_fill(*, security, holders: list[tuple[int, str]], amounts: list[int], chain_id: int,
                  token: str, mint_block: int) -> None:
    """The register's side of the mints, in bulk SQL (module doc)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from chain.models import IndexCursor, SeenWallet, token_contract_name
    from core.models import OutboxEntry
    from ledger.models import ControlBook, Position, TokenAction

    then = timezone.now() - AGO
    name = token_contract_name(security.pk)
    # auto_now(_add) columns read the clock: the rows are written as of an hour ago (TokenAction
    # is append-only, so it is dated when inserted, never updated).
    with mock.patch("django.utils.timezone.now", lambda: then), transaction.atomic():
        for start in range(0, len(holders), 10_000):
            part = list(zip(holders[start:start + 10_000], amounts[start:start + 10_000], strict=True))
            entries = OutboxEntry.objects.bulk_create([
                OutboxEntry(kind="token.mint", idempotency_key=f"bench:mint:{start + i}",
                            status=OutboxEntry.Status.CONFIRMED, confirmed_at=then, block_number=mint_block,
                            payload={"security_id": security.pk, "to": w, "amount": a})
                for i, ((_u, w), a) in enumerate(part)])
            TokenAction.objects.bulk_create([
                TokenAction(kind=TokenAction.Kind.ISSUE, security=security, to_investor_id=u, to_wallet=w, amount=a,
                            reason="bench holders", idempotency_key=f"bench:issue:{start + i}", outbox=e)
                for i, (((u, w), a), e) in enumerate(zip(part, entries, strict=True))])
            Position.objects.bulk_create([Position(security=security, investor_id=u, wallet=w, balance=a)
                                          for (u, w), a in part])
            SeenWallet.objects.bulk_create([SeenWallet(contract=name, chain_id=chain_id, wallet=w,
                                                       first_block=mint_block, last_block=mint_block)
                                            for (_u, w), _a in part])
        total = sum(amounts)
        ControlBook.objects.create(security=security, issued=total, outstanding=total)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE core_outboxentry AS o SET idempotency_key = 'action:' || a.id"
                " FROM ledger_tokenaction AS a WHERE a.outbox_id = o.id AND a.security_id = %s", [security.pk])
        IndexCursor.objects.create(contract=name, chain_id=chain_id, address=token, next_block=mint_block + 1)


def transfers_make(*, node: Node, token: str, holders: list[tuple[int, str]], amounts: list[int],
                   count: int) -> int:
    """``count`` transfers, each from a different random holder (at most its balance) to another
    random holder, signed by the holders (impersonated), mined in one block. Returns it."""
    from eth_abi import encode
    from eth_utils import keccak

    rng = random.Random(16)
    picks = rng.sample(range(len(holders)), 2 * count)
    senders, recipients = picks[:count], picks[count:]
    selector = keccak(text="transfer(address,uint256)")[:4]
    node.batch([("anvil_setBalance", [holders[i][1], hex(10**18)]) for i in senders])
    node.batch([("anvil_autoImpersonateAccount", [True])])
    try:
        return node.send_in_one_block([
            (holders[s][1], token,
             selector + encode(["address", "uint256"], [holders[r][1], rng.randint(1, amounts[s])]), 200_000)
            for s, r in zip(senders, recipients, strict=True)])
    finally:
        node.batch([("anvil_autoImpersonateAccount", [False])])


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
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(30)
    say(out.getvalue())
    return result


def naive_read(*, backend, token: str, wallets: list[str]) -> float:
    started = time.perf_counter()
    for wallet in wallets:
        backend.balance_of(token, wallet)
        backend.frozen_balance_of(token, wallet)
    return time.perf_counter() - started


def run() -> str:
    from django.conf import settings

    from chain.indexer import index_sweep
    from chain.models import DeployedContract, IndexCursor, token_contract_name
    from chain.reconciler import reconcile_run
    from chain.services import registry_deploy
    from chain.web3_backend import Web3Backend
    from issuance.tests.factories import SecurityFactory

    node = Node()
    try:
        settings.CHAIN_RPC_URL, settings.CHAIN_SIGNER_KEY = node.node.rpc_url, node.node.keys[0]
        settings.CHAIN_CONFIRMATIONS = 0
        backend = Web3Backend(node.node.rpc_url, node.node.keys[0], timeout=120)
        chain_id = backend.chain_id()
        mark = time.monotonic()
        registry = registry_deploy(backend=backend)[0].address
        security = SecurityFactory(name="Reconcile bench bond", symbol="RBB")
        deployed = backend.deploy_token(name=security.name, symbol=security.symbol, decimals=0, registry=registry)
        DeployedContract.objects.create(name=token_contract_name(security.pk), chain_id=chain_id,
                                        address=deployed.address, tx_hash=deployed.tx_hash)
        token = deployed.address
        holders = holders_create(HOLDERS)
        say(f"{HOLDERS} investors written in {time.monotonic() - mark:.1f}s")
        mark = time.monotonic()
        registry_fill(node=node, backend=backend, registry=registry, holders=holders)
        say(f"registry records ({'registerWallets' if REGISTRY_BY_TRANSACTIONS else 'anvil_setStorageAt'}) "
            f"in {time.monotonic() - mark:.1f}s")
        mark = time.monotonic()
        rng = random.Random(7)
        amounts = [rng.randint(1, 1000) for _ in holders]
        mint_block = mint(node=node, backend=backend, token=token, holders=holders, amounts=amounts)
        say(f"batchMint to {HOLDERS} holders in {time.monotonic() - mark:.1f}s (supply "
            f"{backend.total_supply(token)})")
        mark = time.monotonic()
        register_fill(security=security, holders=holders, amounts=amounts, chain_id=chain_id, token=token,
                      mint_block=mint_block)
        # The chain moves on (as it does in the minutes between two runs): the indexer's re-read
        # margin (CHAIN_REORG_DEPTH blocks) no longer holds the setup's 100,000 mint events.
        node.batch([("anvil_mine", [hex(settings.CHAIN_REORG_DEPTH + 1)])])
        IndexCursor.objects.filter(contract=token_contract_name(security.pk)).update(
            next_block=backend.block_number() + 1)   # where the indexer's sweeps over those blocks left it
        say(f"register side in bulk SQL in {time.monotonic() - mark:.1f}s")

        mark = time.perf_counter()
        full = profiled(reconcile_run, backend=backend, mode="full")
        full_seconds = time.perf_counter() - mark
        say(f"full run: {full.wallets_checked} wallets at block {full.block} in {full_seconds:.3f}s, "
            f"{full.breaks_found} breaks, error {full.error!r}")
        if full.mode != "full" or full.breaks_found or full.error or full.wallets_checked != HOLDERS:
            raise RuntimeError(f"the full run is wrong: {full.mode} {full.breaks_found} breaks {full.error!r}")

        mark = time.monotonic()
        block = transfers_make(node=node, token=token, holders=holders, amounts=amounts, count=TRANSFERS)
        made = time.monotonic() - mark
        mark = time.monotonic()
        indexed = index_sweep(backend=backend)
        node.batch([("anvil_mine", [hex(settings.CHAIN_REORG_DEPTH + 1)])])   # as above: the beat's next sweeps
        indexed_again = index_sweep(backend=backend)
        say(f"{TRANSFERS} transfers mined in block {block} ({made:.1f}s); the indexer recorded {indexed.recorded} "
            f"in the register in {time.monotonic() - mark:.1f}s (refused {len(indexed.refused)})")
        if indexed.recorded != TRANSFERS or indexed_again.recorded:
            raise RuntimeError(f"the indexer recorded {indexed.recorded} of {TRANSFERS}: {indexed.refused[:3]}")
        mark = time.perf_counter()
        incremental = profiled(reconcile_run, backend=backend, mode="incremental")
        incremental_seconds = time.perf_counter() - mark
        say(f"incremental run: {incremental.wallets_checked} wallets at block {incremental.block} in "
            f"{incremental_seconds:.3f}s, {incremental.breaks_found} breaks, error {incremental.error!r}")
        if incremental.mode != "incremental" or incremental.breaks_found or incremental.error:
            raise RuntimeError(f"the incremental run is wrong: {incremental.mode} {incremental.breaks_found} breaks "
                               f"{incremental.error!r}")
        if not 0 < incremental.wallets_checked <= 2 * TRANSFERS:
            raise RuntimeError(f"the incremental run checked {incremental.wallets_checked} wallets")

        wallets = [w for _u, w in holders]
        head = backend.block_number()
        mark = time.perf_counter()
        backend.holdings_at(token, wallets, head)
        reader = time.perf_counter() - mark
        mark = time.perf_counter()
        for start in range(0, len(wallets), 500):
            backend.balances_at(token, wallets[start:start + 500], head)
            backend.balances_at(token, wallets[start:start + 500], head, frozen=True)
        batches = time.perf_counter() - mark
        say(f"diagnostic: the chain reads alone for {HOLDERS} wallets: BalanceReader {reader:.3f}s, "
            f"JSON-RPC batches of 500 wallets (two eth_calls each) {batches:.3f}s = {batches / reader:.1f} x")

        sample = random.Random(3).sample(wallets, min(NAIVE_SAMPLE, len(wallets)))
        naive_sample = naive_read(backend=backend, token=token, wallets=sample)
        naive_seconds = naive_sample * len(wallets) / len(sample)
        say(f"naive: {len(sample)} wallets, two eth_calls each one after the other, in {naive_sample:.2f}s; "
            f"scaled to {HOLDERS}: {naive_seconds:.1f}s")
    finally:
        node.close()
    return (f"RESULT holders={HOLDERS} full_seconds={full_seconds:.3f} incremental_seconds={incremental_seconds:.3f} "
            f"naive_seconds={naive_seconds:.1f} speedup={naive_seconds / full_seconds:.1f}")


def main() -> int:
    from bench.isolation import run_isolated

    print(run_isolated(lambda redis: run(), database="bench_reconcile"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
