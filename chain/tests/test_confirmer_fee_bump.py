"""A transaction stuck in the pool is replaced by a fee bump under the same nonce; whichever
of the two mines wins, the other becomes REPLACED, and the action happens once."""

from __future__ import annotations

from chain.confirmer import confirm_sweep
from chain.models import ChainTransaction
from chain.relay import relay_sweep
from core.models import AuditEvent, OutboxEntry

from .conftest import new_wallet, put, register_wallet_payload

Status = ChainTransaction.Status


def test_stuck_tx_is_bumped_and_the_bump_wins(db, backend, registry, no_automine, settings):
    wallet = new_wallet()
    entry = put("registry.register_wallet", register_wallet_payload(5, wallet), "wallet:5:add")
    relay_sweep(backend=backend)
    stuck = ChainTransaction.objects.get()
    assert stuck.status == Status.BROADCAST

    settings.CHAIN_STUCK_AFTER_SECONDS = 3600
    assert confirm_sweep(backend=backend).bumped == 0             # not stuck for long enough yet
    settings.CHAIN_STUCK_AFTER_SECONDS = 0
    assert confirm_sweep(backend=backend).bumped == 1

    bump = ChainTransaction.objects.get(replaces=stuck)
    assert bump.nonce == stuck.nonce and bump.tx_hash != stuck.tx_hash and bump.status == Status.BROADCAST
    assert bump.max_fee_per_gas * 1000 >= stuck.max_fee_per_gas * 1125
    assert bump.max_priority_fee_per_gas * 1000 >= stuck.max_priority_fee_per_gas * 1125
    assert AuditEvent.objects.filter(action="chain.tx_fee_bumped", object_id=str(bump.pk)).exists()

    no_automine.rpc("evm_mine")
    confirm_sweep(backend=backend)

    stuck.refresh_from_db()
    bump.refresh_from_db()
    entry.refresh_from_db()
    assert (stuck.status, bump.status, entry.status) == (Status.REPLACED, Status.CONFIRMED, "confirmed")
    assert backend.mined_nonce() == stuck.nonce + 1
    assert backend.read("InvestorRegistry", registry.address, "investorOf", wallet)[0] == 5


def test_when_the_original_mines_after_all_the_bump_is_replaced(db, backend, registry, no_automine, settings):
    entry = put("registry.register_wallet", register_wallet_payload(6, new_wallet()), "wallet:6:add")
    relay_sweep(backend=backend)
    original = ChainTransaction.objects.get()
    settings.CHAIN_STUCK_AFTER_SECONDS = 0
    confirm_sweep(backend=backend)
    bump = ChainTransaction.objects.get(replaces=original)
    # the pool loses the bump, and the original reaches a miner
    no_automine.rpc("anvil_dropTransaction", [bump.tx_hash])
    backend.broadcast(bytes(original.raw_tx))
    no_automine.rpc("evm_mine")

    confirm_sweep(backend=backend)

    original.refresh_from_db()
    bump.refresh_from_db()
    entry.refresh_from_db()
    assert (original.status, bump.status, entry.status) == (Status.CONFIRMED, Status.REPLACED, "confirmed")


def test_a_tx_dropped_from_the_pool_is_rebroadcast_with_the_same_bytes(db, backend, registry, no_automine):
    put("registry.register_wallet", register_wallet_payload(7, new_wallet()), "wallet:7:add")
    relay_sweep(backend=backend)
    tx = ChainTransaction.objects.get()
    no_automine.rpc("anvil_dropTransaction", [tx.tx_hash])
    assert not backend.is_known(tx.tx_hash)

    assert confirm_sweep(backend=backend).rebroadcast == 1
    assert backend.is_known(tx.tx_hash)
    no_automine.rpc("evm_mine")
    confirm_sweep(backend=backend)
    tx.refresh_from_db()
    assert tx.status == Status.CONFIRMED and ChainTransaction.objects.count() == 1
    assert OutboxEntry.objects.get().status == "confirmed"
