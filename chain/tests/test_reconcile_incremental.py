"""Reconciliation at scale (issue 16): the bulk reads at a pinned block equal the per-wallet
views; an incremental run compares only the wallets touched since the last run (a chain event,
or a register position that changed with no chain event), still checks the supply, and records
its mode, block and wallets; the first run is full; beat schedules both kinds."""

from __future__ import annotations

import pytest
from django.conf import settings
from eth_account import Account

from chain import reconciler
from chain.api import ReconciliationOutput
from chain.indexer import _remember_wallets
from chain.models import Break, DeployedContract, Reconciliation, SeenWallet
from chain.port import ChainEvent
from chain.reconciler import reconcile_run
from ledger.models import Position


@pytest.fixture
def no_margin(monkeypatch):
    """Register rows changed before the last run's start are not looked at again (the margin
    for a transaction committing during that run is minutes; the fixtures wrote just now)."""
    import datetime as dt

    monkeypatch.setattr(reconciler, "REGISTER_MARGIN", dt.timedelta(0))


def test_bulk_reads_equal_the_per_wallet_views_at_the_pinned_block(mirrored_bond, backend):
    from chain.web3_backend import Web3Backend

    b = mirrored_bond
    agent = Web3Backend(backend.rpc_url, settings.CHAIN_SIGNER_KEY)   # the adapter under test, the agent's key
    agent.freeze_tokens(b.token, ref=b"\x11" * 32, wallet=b.first, amount=30)
    stranger = Account.create().address
    wallets = [b.first, b.second, stranger]
    pinned = backend.block_number()
    expected = ([backend.balance_of(b.token, w) for w in wallets], [backend.frozen_balance_of(b.token, w)
                                                                      for w in wallets])
    backend.mint(b.token, ref=b"\x12" * 32, to=b.second, amount=5)   # after the pinned block

    assert expected == ([100, 50, 0], [30, 0, 0])
    assert backend.holdings_at(b.token, wallets, pinned) == expected
    assert backend.holdings_at(b.token, wallets, pinned, chunk=2) == expected          # several calls
    assert backend.holdings_at(b.token, wallets, backend.block_number())[0] == [100, 55, 0]
    agent._reader_code = ""              # a node without state overrides: value by value, same answer
    assert agent.holdings_at(b.token, wallets, pinned) == expected
    registry = DeployedContract.objects.get(name="InvestorRegistry", chain_id=backend.chain_id()).address
    records = backend.registry_records_at(registry, wallets, pinned)
    assert [r & (2**64 - 1) for r in records] == [backend.read("InvestorRegistry", registry, "investorOf", w)[0]
                                                  for w in wallets]
    assert records[2] == 0


def test_incremental_checks_only_touched_wallets(mirrored_bond, backend, no_margin):
    b = mirrored_bond
    first_run = reconcile_run(backend=backend, mode="incremental")   # no run before: full
    assert (first_run.mode, first_run.wallets_checked, first_run.breaks_found) == ("full", 2, 0)
    assert first_run.block == backend.block_number()

    backend.mint(b.token, ref=b"\x13" * 32, to=b.first, amount=7)   # outside the platform: touches first only
    run = reconcile_run(backend=backend, mode="incremental")

    assert (run.mode, run.wallets_checked, run.block) == ("incremental", 1, backend.block_number())
    assert set(Break.objects.values_list("kind", "wallet", "register_value", "chain_value")) == {
        ("balance", b.first, "100", "107"), ("total_supply", "", "150", "157")}
    assert SeenWallet.objects.get(wallet=b.first).last_block == run.block
    again = reconcile_run(backend=backend, mode="incremental")   # the open break's wallet is seen again
    assert (again.wallets_checked, again.breaks_found, again.breaks_new) == (1, 2, 0)
    full = reconcile_run(backend=backend)
    assert (full.mode, full.wallets_checked, full.breaks_found, full.breaks_new) == ("full", 2, 2, 0)
    shown = ReconciliationOutput(full).data
    assert (shown["mode"], shown["block"], shown["wallets_checked"]) == ("full", full.block, 2)


def test_incremental_catches_a_register_change_without_a_chain_event(mirrored_bond, backend, no_margin):
    b = mirrored_bond
    reconcile_run(backend=backend, mode="full")
    position = Position.objects.get(security=b.security, wallet=b.second)
    position.balance = 49          # the register goes wrong; nothing happens on chain
    position.save(update_fields=["balance", "updated_at"])

    run = reconcile_run(backend=backend, mode="incremental")

    assert (run.mode, run.wallets_checked) == ("incremental", 1)
    kinds = dict(Break.objects.values_list("kind", "wallet"))
    assert kinds["balance"] == b.second and "invariant" in kinds   # positions no longer sum to outstanding


def test_a_chain_behind_the_last_run_gets_a_full_run(mirrored_bond, backend, no_margin):
    last = reconcile_run(backend=backend)
    Reconciliation.objects.filter(pk=last.pk).update(block=last.block + 100)   # as if the node was reset since

    run = reconcile_run(backend=backend, mode="incremental")

    assert (run.mode, run.wallets_checked, run.breaks_found) == ("full", 2, 0)


def test_an_unknown_mode_is_refused(db):
    with pytest.raises(ValueError, match="unknown reconciliation mode"):
        reconcile_run(mode="sometimes")
    assert not Reconciliation.objects.exists()


def test_the_indexer_keeps_the_latest_block_a_wallet_was_touched(db):
    wallet, other = Account.create().address, Account.create().address

    def event(name: str, block: int, **args) -> ChainEvent:
        return ChainEvent(contract="0x" + "ab" * 20, name=name, block_number=block, tx_hash="0x" + "cd" * 32,
                          log_index=0, args=args)

    contract = DeployedContract(name="SecurityToken:1", chain_id=31337, address="0x" + "ab" * 20)
    _remember_wallets(contract=contract, events=[event("Transfer", 10, **{"from": wallet, "to": other, "value": 1}),
                                                 event("TokensFrozen", 12, wallet=wallet, amount=1)])
    _remember_wallets(contract=contract, events=[event("Transfer", 11, **{"from": "0x" + "0" * 40, "to": other})])

    rows = {r.wallet: (r.first_block, r.last_block) for r in SeenWallet.objects.all()}
    assert rows == {wallet: (10, 12), other: (10, 11)}   # a re-read of block 11 never moves 12 back


def test_beat_runs_incremental_and_full_reconciliations():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["chain.reconcile"]["kwargs"] == {"mode": "incremental"}
    assert schedule["chain.reconcile"]["schedule"] == settings.CHAIN_RECONCILE_SECONDS
    assert schedule["chain.reconcile_full"] == {"task": "chain.reconcile", "kwargs": {"mode": "full"},
                                                "schedule": settings.CHAIN_RECONCILE_FULL_SECONDS}
    assert settings.CHAIN_RECONCILE_FULL_SECONDS > settings.CHAIN_RECONCILE_SECONDS


def test_the_task_runs_the_mode_beat_asks_for(db, settings):
    from chain.tasks import reconcile_task

    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"          # nothing listens: the run reports, never crashes
    settings.CHAIN_SIGNER_KEY = "0x" + "11" * 32
    reported = reconcile_task.run(mode="incremental")

    run = Reconciliation.objects.get()
    assert reported["mode"] == run.mode == "full"           # no clean run before: full
    assert reported["block"] is None and reported["wallets_checked"] == 0 and reported["error"]
