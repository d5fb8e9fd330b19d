"""A batch holding a mint the token refuses: the innocent mints still confirm, and only the
guilty one fails, with its own decoded error (whether the batch fails at estimation or on
chain)."""

from __future__ import annotations

from chain.batches import BatchOutcome, plan_batches, relay_batch
from chain.confirmer import confirm_sweep
from chain.models import ChainTransaction, DeployedContract
from chain.relay import claim_pending
from chain.sending import SweepContext

from .conftest import new_wallet, put, register_wallet_payload, settle

TOKEN = {"security_id": 62, "name": "Fallback Bond", "symbol": "FB62", "decimals": 0, "rules": {}}


def _setup(backend):
    good = [new_wallet(), new_wallet()]
    for i, wallet in enumerate(good):
        put("registry.register_wallet", register_wallet_payload(200 + i, wallet), f"wallet:f{i}:add")
    put("token.deploy", TOKEN, "offering:62:deploy")
    settle(backend)
    token = DeployedContract.objects.get(name="SecurityToken:62").address
    stranger = new_wallet()   # never registered: the token refuses to mint to it
    mints = [put("token.mint", {"security_id": 62, "wallet": good[0], "amount": "10"}, "action:f0"),
             put("token.mint", {"security_id": 62, "wallet": stranger, "amount": "20"}, "action:f1"),
             put("token.mint", {"security_id": 62, "wallet": good[1], "amount": "30"}, "action:f2")]
    return token, good, mints


def _statuses(mints):
    for m in mints:
        m.refresh_from_db()
    return [m.status for m in mints]


def test_a_batch_that_would_revert_is_sent_one_by_one(db, backend, registry):
    token, good, mints = _setup(backend)

    settle(backend)

    assert _statuses(mints) == ["confirmed", "failed", "confirmed"]
    assert mints[1].last_error.startswith("[WalletNotRegistered]")
    assert backend.balance_of(token, good[0]) == 10 and backend.balance_of(token, good[1]) == 30
    assert backend.total_supply(token) == 40


def test_a_batch_that_reverts_on_chain_falls_back_to_single_mints(db, backend, registry):
    token, good, mints = _setup(backend)
    [unit] = plan_batches(claim_pending(batch_size=10))
    assert unit == [m.pk for m in mints]

    class StaleEstimate:
        """The backend, except that gas estimation passes (as when the chain changed between
        the estimate and the block): the batch goes out and reverts on chain."""

        def __getattr__(self, name):
            return getattr(backend, name)

        def estimate_gas_many(self, calls) -> list[int]:
            return [1_000_000 for _ in calls]

    outcome = relay_batch(unit, ctx=SweepContext(StaleEstimate()))
    assert outcome == BatchOutcome(submitted=3, singles=[])
    confirm_sweep(backend=backend)
    [batch] = ChainTransaction.objects.filter(function="batchMint")
    assert batch.status == ChainTransaction.Status.FAILED and batch.error_code == "WalletNotRegistered"
    assert _statuses(mints) == ["pending", "pending", "pending"]          # nobody failed for the batch
    assert mints[0].last_error.startswith("[batch_reverted]")

    settle(backend)

    assert _statuses(mints) == ["confirmed", "failed", "confirmed"]
    assert mints[1].last_error.startswith("[WalletNotRegistered]")
    assert ChainTransaction.objects.filter(function="mint", status="confirmed").count() == 2
    assert ChainTransaction.objects.filter(function="batchMint").count() == 1  # never batched again
    assert backend.total_supply(token) == 40
