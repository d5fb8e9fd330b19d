"""The relay sends a registry action once: PREPARED with its raw bytes before broadcast,
then BROADCAST, then the confirmer marks it CONFIRMED and the registry holds the wallet."""

from __future__ import annotations

from eth_utils import keccak

from chain.calls import ref_for
from chain.confirmer import confirm_sweep
from chain.models import ChainTransaction, SignerNonce
from chain.relay import relay_sweep
from core.models import AuditEvent, OutboxEntry

from .conftest import new_wallet, put, put_unchecked, register_wallet_payload


def test_register_wallet_is_signed_stored_broadcast_and_confirmed(db, backend, registry):
    wallet = new_wallet()
    entry = put("registry.register_wallet", register_wallet_payload(7, wallet), "wallet:1:add")
    node_nonce = backend.next_nonce()

    result = relay_sweep(backend=backend)

    assert (result.claimed, result.submitted) == (1, 1)
    entry.refresh_from_db()
    assert entry.status == OutboxEntry.Status.SUBMITTED
    tx = ChainTransaction.objects.get(entry=entry)
    assert tx.status == ChainTransaction.Status.BROADCAST
    assert tx.nonce == node_nonce and tx.step == 0 and tx.function == "registerWallet"
    assert tx.tx_hash == "0x" + keccak(bytes(tx.raw_tx)).hex()   # the stored bytes are what was sent
    assert tx.to_address == registry.address
    assert SignerNonce.objects.get(signer=backend.address).next_nonce == node_nonce + 1

    assert confirm_sweep(backend=backend).confirmed == 1
    entry.refresh_from_db()
    tx.refresh_from_db()
    assert entry.status == OutboxEntry.Status.CONFIRMED
    assert tx.status == ChainTransaction.Status.CONFIRMED and tx.block_number and tx.gas_used
    assert entry.tx_hash == tx.tx_hash and entry.block_number == tx.block_number and entry.confirmed_at
    assert backend.read("InvestorRegistry", registry.address, "investorOf", wallet)[0] == 7
    assert backend.read("InvestorRegistry", registry.address, "isRefUsed", ref_for("wallet:1:add", 0))
    actions = list(AuditEvent.objects.filter(object_type="core.outboxentry", object_id=str(entry.pk))
                   .values_list("action", flat=True))
    assert actions == ["outboxentry.submitted", "outboxentry.confirmed"]


def test_update_and_revoke_follow_the_registration(db, backend, registry):
    wallet = new_wallet()
    put("registry.register_wallet", register_wallet_payload(8, wallet), "wallet:2:add")
    put("registry.update_investor", {"investor_id": 8, "country": 840, "kyc_expiry": 2**39,
                                      "accredited": False, "qualified": True}, "kyc:2:approve")
    put("registry.revoke_wallet", {"investor_id": 8, "wallet": wallet}, "wallet:2:revoke")
    from .conftest import settle

    settle(backend)

    assert set(OutboxEntry.objects.values_list("status", flat=True)) == {"confirmed"}
    nonces = sorted(ChainTransaction.objects.values_list("nonce", flat=True))
    assert nonces == list(range(nonces[0], nonces[0] + 3))
    assert not backend.read("InvestorRegistry", registry.address, "isVerified", wallet)  # revoked
    assert backend.read("InvestorRegistry", registry.address, "investorOf", wallet)[0] == 8  # still bound


def test_an_action_with_a_bad_payload_fails_without_a_transaction(db, backend, registry):
    entry = put_unchecked("registry.register_wallet", register_wallet_payload(9, "not-an-address"), "wallet:3:add")
    unknown = put_unchecked("ledger.something_new", {}, "action:x")
    string_id = put_unchecked("token.pause", {"security_id": "41"}, "action:y")   # ids are ints

    relay_sweep(backend=backend)

    for row in (entry, unknown, string_id):
        row.refresh_from_db()
        assert row.status == OutboxEntry.Status.FAILED
        assert row.last_error.startswith("[BadPayload] ")
    assert not ChainTransaction.objects.exists()
    assert not SignerNonce.objects.exists()
