"""What the confirmer records: a tx that reverts in its block is FAILED with the decoded error;
confirmations are counted; a nonce taken by a foreign tx sends the action again."""

from __future__ import annotations

from chain.confirmer import confirm_sweep
from chain.models import ChainTransaction, DeployedContract
from chain.relay import relay_sweep
from chain.web3_backend import Web3Backend
from core.models import OutboxEntry

from .conftest import new_wallet, prepare_only, put, register_wallet_payload, settle
from .test_relay_token_deploy_and_mint import DEPLOY

Status = ChainTransaction.Status


def test_a_tx_that_reverts_in_its_block_fails_with_the_decoded_error(db, backend, registry, no_automine):
    wallet = new_wallet()
    put("registry.register_wallet", register_wallet_payload(1, wallet), "wallet:1:add")
    put("token.deploy", {**DEPLOY, "rules": {}}, "offering:41:deploy")
    no_automine.rpc("evm_setAutomine", [True])
    settle(backend)
    no_automine.rpc("evm_setAutomine", [False])
    freeze = put("token.freeze_wallet", {"security_id": 41, "wallet": wallet, "frozen": True}, "action:1")
    relay_sweep(backend=backend)          # in the pool, not mined: the mint still estimates fine
    mint = put("token.mint", {"security_id": 41, "wallet": wallet, "amount": "5"}, "action:2")
    OutboxEntry.objects.filter(pk=freeze.pk).update(status="confirmed")  # hide the predecessor rule
    relay_sweep(backend=backend)
    OutboxEntry.objects.filter(pk=freeze.pk).update(status="submitted")
    assert ChainTransaction.objects.filter(entry=mint).exists()
    no_automine.rpc("evm_mine")

    confirm_sweep(backend=backend)

    mint.refresh_from_db()
    tx = ChainTransaction.objects.get(entry=mint)
    assert mint.status == OutboxEntry.Status.FAILED
    assert tx.status == Status.FAILED and tx.error_code == "WalletFrozen" and tx.block_number
    assert mint.last_error.startswith("[WalletFrozen] WalletFrozen(wallet=")


def test_confirmations_are_counted(db, backend, registry, settings, chain_snapshot):
    settings.CHAIN_CONFIRMATIONS = 3
    entry = put("registry.register_wallet", register_wallet_payload(2, new_wallet()), "wallet:2:add")
    relay_sweep(backend=backend)
    assert confirm_sweep(backend=backend).mined == 1
    tx = ChainTransaction.objects.get()
    assert tx.status == Status.MINED and tx.block_number
    chain_snapshot.rpc("anvil_mine", [1])
    confirm_sweep(backend=backend)
    assert ChainTransaction.objects.get().status == Status.MINED       # 2 of 3
    chain_snapshot.rpc("anvil_mine", [1])
    confirm_sweep(backend=backend)
    entry.refresh_from_db()
    assert ChainTransaction.objects.get().status == Status.CONFIRMED and entry.status == "confirmed"


def test_a_nonce_taken_by_a_foreign_tx_sends_the_action_again(db, backend, registry, chain_settings):
    wallet = new_wallet()
    entry = put("registry.register_wallet", register_wallet_payload(3, wallet), "wallet:3:add")
    prepared = prepare_only(entry, backend)                  # signed at nonce n, not sent
    lost = ChainTransaction.objects.get()
    # someone uses the platform key outside the relay, taking nonce n
    Web3Backend(chain_settings.CHAIN_RPC_URL, chain_settings.CHAIN_SIGNER_KEY).deploy_registry()
    backend.broadcast(prepared.raw)                           # "nonce too low"
    backend.w3.provider.make_request("evm_mine", [])          # the nonce is judged once a block follows

    settle(backend)

    lost.refresh_from_db()
    assert lost.status == Status.FAILED and lost.error_code == "NonceConsumed"
    resent = ChainTransaction.objects.get(entry=entry, status=Status.CONFIRMED)
    assert resent.nonce > lost.nonce
    entry.refresh_from_db()
    assert entry.status == "confirmed"
    assert backend.read("InvestorRegistry", registry.address, "investorOf", wallet)[0] == 3
    assert DeployedContract.objects.count() == 2   # the registry and the Settlement: the foreign deploy is not one
