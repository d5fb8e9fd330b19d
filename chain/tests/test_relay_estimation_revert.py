"""A call the contract refuses at estimation fails for good with the decoded custom error,
and uses no nonce; unless an earlier action it may depend on is still in flight."""

from __future__ import annotations

from chain.models import ChainTransaction, SignerNonce
from chain.relay import relay_entry, relay_sweep
from core.models import OutboxEntry

from .conftest import new_wallet, put, register_wallet_payload, settle
from .test_relay_token_deploy_and_mint import DEPLOY


def test_mint_to_an_unregistered_wallet_fails_with_the_decoded_error(db, backend, registry):
    put("token.deploy", {**DEPLOY, "rules": {}}, "offering:41:deploy")
    settle(backend)
    nonces_before = (SignerNonce.objects.get().next_nonce, backend.next_nonce())
    stranger = new_wallet()
    mint = put("token.mint", {"security_id": 41, "wallet": stranger, "amount": "5"}, "action:9")

    relay_sweep(backend=backend)

    mint.refresh_from_db()
    assert mint.status == OutboxEntry.Status.FAILED
    assert mint.last_error.startswith("[WalletNotRegistered] WalletNotRegistered(wallet=" + stranger)
    assert not ChainTransaction.objects.filter(entry=mint).exists()
    assert (SignerNonce.objects.get().next_nonce, backend.next_nonce()) == nonces_before


def test_a_refused_call_waits_while_an_earlier_registry_action_is_in_flight(db, backend, registry):
    put("token.deploy", {**DEPLOY, "rules": {}}, "offering:41:deploy")
    settle(backend)
    wallet = new_wallet()
    register = put("registry.register_wallet", register_wallet_payload(1, wallet), "wallet:1:add")
    mint = put("token.mint", {"security_id": 41, "wallet": wallet, "amount": "5"}, "action:10")

    assert relay_entry(mint.pk, backend=backend) == "waiting"   # the registration is not on chain yet
    mint.refresh_from_db()
    assert mint.status == OutboxEntry.Status.PENDING and mint.last_error.startswith("[waiting] ")

    settle(backend)
    register.refresh_from_db()
    mint.refresh_from_db()
    assert (register.status, mint.status) == ("confirmed", "confirmed")
