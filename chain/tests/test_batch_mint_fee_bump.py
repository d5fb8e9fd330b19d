"""A batch stuck in the pool is fee-bumped like any transaction: same nonce, same members,
same ref; whichever mines confirms every member once."""

from __future__ import annotations

from chain.confirmer import confirm_sweep
from chain.models import ChainTransaction, ChainTransactionEntry, DeployedContract
from chain.relay import relay_sweep
from core.models import OutboxEntry

from .conftest import new_wallet, put, register_wallet_payload, settle

Status = ChainTransaction.Status
TOKEN = {"security_id": 64, "name": "Bump Bond", "symbol": "BB64", "decimals": 0, "rules": {}}


def test_a_stuck_batch_is_bumped_with_its_members(db, backend, registry, chain_snapshot, settings):
    wallets = [new_wallet() for _ in range(3)]
    for i, wallet in enumerate(wallets):
        put("registry.register_wallet", register_wallet_payload(400 + i, wallet), f"wallet:p{i}:add")
    put("token.deploy", TOKEN, "offering:64:deploy")
    settle(backend)
    token = DeployedContract.objects.get(name="SecurityToken:64").address
    mints = [put("token.mint", {"security_id": 64, "wallet": w, "amount": "9"}, f"action:p{i}")
             for i, w in enumerate(wallets)]
    chain_snapshot.rpc("evm_setAutomine", [False])
    try:
        relay_sweep(backend=backend)
        stuck = ChainTransaction.objects.get(function="batchMint")
        settings.CHAIN_STUCK_AFTER_SECONDS = 0
        assert confirm_sweep(backend=backend).bumped == 1
        bump = ChainTransaction.objects.get(replaces=stuck)
        assert list(ChainTransactionEntry.objects.filter(tx=bump).values_list("entry_id", flat=True)) == [
            m.pk for m in mints]
        chain_snapshot.rpc("evm_mine")
    finally:
        chain_snapshot.rpc("evm_setAutomine", [True])

    confirm_sweep(backend=backend)

    stuck.refresh_from_db()
    bump.refresh_from_db()
    assert (stuck.status, bump.status) == (Status.REPLACED, Status.CONFIRMED)
    assert set(OutboxEntry.objects.filter(kind="token.mint").values_list("status", "tx_hash")) == {
        ("confirmed", bump.tx_hash)}
    assert backend.total_supply(token) == 27
