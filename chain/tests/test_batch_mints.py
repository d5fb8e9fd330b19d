"""Consecutive mints of one security go out as one batchMint: one transaction, one nonce,
every action confirmed with its hash; switched off, one transaction per mint."""

from __future__ import annotations

from chain.models import ChainTransaction, ChainTransactionEntry, DeployedContract
from chain.relay import relay_sweep
from core.models import OutboxEntry

from .conftest import new_wallet, put, register_wallet_payload, settle

TOKEN = {"security_id": 61, "name": "Batch Bond", "symbol": "BB61", "decimals": 0, "rules": {}}


def _token_with_holders(backend, n: int) -> tuple[str, list[str]]:
    wallets = [new_wallet() for _ in range(n)]
    for i, wallet in enumerate(wallets):
        put("registry.register_wallet", register_wallet_payload(100 + i, wallet), f"wallet:b{i}:add")
    put("token.deploy", TOKEN, "offering:61:deploy")
    settle(backend)
    return DeployedContract.objects.get(name="SecurityToken:61").address, wallets


def test_five_mints_go_out_as_one_batch(db, backend, registry):
    token, wallets = _token_with_holders(backend, 5)
    mints = [put("token.mint", {"security_id": 61, "wallet": w, "amount": str(100 * (i + 1))}, f"action:b{i}")
             for i, w in enumerate(wallets)]

    result = relay_sweep(backend=backend)
    settle(backend)

    assert result.submitted == 5
    [tx] = ChainTransaction.objects.filter(function="batchMint")
    assert tx.status == ChainTransaction.Status.CONFIRMED and tx.entry_id == mints[0].pk
    assert list(ChainTransactionEntry.objects.filter(tx=tx).values_list("entry_id", flat=True)) == [
        m.pk for m in mints]
    assert not ChainTransaction.objects.filter(function="mint").exists()
    for i, mint in enumerate(mints):
        mint.refresh_from_db()
        assert mint.status == OutboxEntry.Status.CONFIRMED
        assert (mint.tx_hash, mint.block_number) == (tx.tx_hash, tx.block_number) and mint.confirmed_at
        assert backend.balance_of(token, wallets[i]) == 100 * (i + 1)
    assert backend.total_supply(token) == 1500


def test_with_batching_off_each_mint_is_its_own_transaction(db, backend, registry, settings):
    settings.CHAIN_BATCH_MINTS = False
    token, wallets = _token_with_holders(backend, 3)
    for i, w in enumerate(wallets):
        put("token.mint", {"security_id": 61, "wallet": w, "amount": "7"}, f"action:n{i}")

    settle(backend)

    assert ChainTransaction.objects.filter(function="mint", status="confirmed").count() == 3
    assert not ChainTransaction.objects.filter(function="batchMint").exists()
    assert len(set(OutboxEntry.objects.filter(kind="token.mint").values_list("tx_hash", flat=True))) == 3
    assert backend.total_supply(token) == 21


def test_a_registry_action_between_mints_splits_the_batch(db, backend, registry):
    token, wallets = _token_with_holders(backend, 2)
    late = new_wallet()
    put("token.mint", {"security_id": 61, "wallet": wallets[0], "amount": "1"}, "action:s1")
    put("token.mint", {"security_id": 61, "wallet": wallets[1], "amount": "2"}, "action:s2")
    put("registry.register_wallet", register_wallet_payload(150, late), "wallet:late:add")
    put("token.mint", {"security_id": 61, "wallet": late, "amount": "3"}, "action:s3")

    settle(backend)

    [batch] = ChainTransaction.objects.filter(function="batchMint")
    assert batch.links.count() == 2
    assert ChainTransaction.objects.filter(function="mint", status="confirmed").count() == 1
    assert backend.balance_of(token, late) == 3 and backend.total_supply(token) == 6
