"""A crash between storing a signed batch and broadcasting it: the next sweep sends the same
bytes (same hash), nothing is signed twice and nothing is minted twice."""

from __future__ import annotations

from chain.batches import plan_batches
from chain.calls import batch_ref, build_batch_mint
from chain.models import ChainTransaction, DeployedContract
from chain.port import ChainReverted
from chain.relay import claim_pending, relay_sweep
from chain.sending import prepare_batch
from core.models import OutboxEntry

from .conftest import new_wallet, put, register_wallet_payload, settle

TOKEN = {"security_id": 63, "name": "Crash Bond", "symbol": "CB63", "decimals": 0, "rules": {}}


def test_prepared_batch_is_rebroadcast_with_the_same_hash(db, backend, registry):
    wallets = [new_wallet() for _ in range(3)]
    for i, wallet in enumerate(wallets):
        put("registry.register_wallet", register_wallet_payload(300 + i, wallet), f"wallet:c{i}:add")
    put("token.deploy", TOKEN, "offering:63:deploy")
    settle(backend)
    token = DeployedContract.objects.get(name="SecurityToken:63").address
    mints = [put("token.mint", {"security_id": 63, "wallet": w, "amount": "5"}, f"action:c{i}")
             for i, w in enumerate(wallets)]

    [unit] = plan_batches(claim_pending(batch_size=10))
    call = build_batch_mint(entries=mints, chain_id=backend.chain_id())
    max_fee, priority = backend.suggest_fees()
    prepared = prepare_batch(entry_ids=unit, call=call, gas=backend.estimate_gas(call), max_fee=max_fee,
                             priority=priority, node_pending=backend.next_nonce(), backend=backend)
    # ... and the process dies here: signed and stored, never sent.
    assert not backend.is_known(prepared.tx_hash)
    assert set(OutboxEntry.objects.filter(kind="token.mint").values_list("status", flat=True)) == {"submitted"}

    result = relay_sweep(backend=backend)
    settle(backend)

    assert (result.rebroadcast, result.claimed) == (1, 0)
    [tx] = ChainTransaction.objects.filter(function="batchMint")
    assert tx.tx_hash == prepared.tx_hash and tx.status == ChainTransaction.Status.CONFIRMED
    assert set(OutboxEntry.objects.filter(kind="token.mint").values_list("tx_hash", flat=True)) == {tx.tx_hash}
    assert backend.total_supply(token) == 15
    # A batch of the same actions signed again would be refused: the ref is the same.
    try:
        backend.estimate_gas(call)
        raise AssertionError("the contract accepted the same batch twice")
    except ChainReverted as exc:
        assert exc.code == "RefAlreadyUsed"
    assert call.args[0] == batch_ref([m.idempotency_key for m in mints])
