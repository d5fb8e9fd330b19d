"""Stored transaction bytes the node refuses. Refused for their fees (the base fee rose while
they waited unsent): the confirmer signs the same call again under the same nonce with
today's fees, and the action happens once. Refused for another reason: the relay records the
node's answer and goes on, operators see it on the mirror page and in the API, and the bytes
go out once the cause is gone."""

from __future__ import annotations

import pytest
from django.urls import reverse

from chain.confirmer import confirm_sweep
from chain.models import ChainTransaction
from chain.relay import relay_sweep
from chain.selectors import mirror_status
from core.models import AuditEvent, OutboxEntry

from .conftest import new_wallet, prepare_only, put, register_wallet_payload

Status = ChainTransaction.Status


@pytest.fixture
def base_fee_spike(chain_snapshot):
    """Raise the next block's base fee; afterwards put back the one before (anvil's fee
    state outlives evm_revert, and the session's anvil serves the next tests)."""
    before = int(chain_snapshot.rpc("eth_getBlockByNumber", ["pending", False])["baseFeePerGas"], 16)

    def spike(base_fee: int) -> None:
        chain_snapshot.rpc("anvil_setNextBlockBaseFeePerGas", [hex(base_fee)])
        chain_snapshot.rpc("evm_mine")

    try:
        yield spike
    finally:
        chain_snapshot.rpc("anvil_setNextBlockBaseFeePerGas", [hex(before)])


def test_bytes_refused_for_their_fees_are_replaced_under_the_same_nonce(db, backend, registry, base_fee_spike,
                                                                       settings):
    settings.CHAIN_REBROADCAST_AFTER_SECONDS = 0
    wallet = new_wallet()
    entry = put("registry.register_wallet", register_wallet_payload(7, wallet), "wallet:70:add")
    prepare_only(entry, backend)   # signed at ~2x the base fee of the moment, never sent
    stored = ChainTransaction.objects.get(entry=entry)
    base_fee_spike(50 * stored.max_fee_per_gas)   # far above what the bytes offer

    result = relay_sweep(backend=backend)   # refused: recorded, the sweep does not stop

    stored.refresh_from_db()
    assert result.rebroadcast == 1 and stored.status == Status.PREPARED
    assert stored.broadcast_attempts == 1 and "fee" in stored.error_message.lower()
    assert [r.tx_hash for r in mirror_status(backend=backend).refused] == [stored.tx_hash]

    assert confirm_sweep(backend=backend).bumped == 1

    bump = ChainTransaction.objects.get(replaces=stored)
    assert bump.nonce == stored.nonce and bump.tx_hash != stored.tx_hash
    assert bump.max_fee_per_gas > 50 * stored.max_fee_per_gas
    assert AuditEvent.objects.filter(action="chain.tx_fee_bumped", object_id=str(bump.pk)).exists()
    assert relay_sweep(backend=backend).rebroadcast == 0   # the superseded bytes are not sent again
    confirm_sweep(backend=backend)
    stored.refresh_from_db()
    bump.refresh_from_db()
    entry.refresh_from_db()
    assert (stored.status, bump.status, entry.status) == (Status.REPLACED, Status.CONFIRMED,
                                                          OutboxEntry.Status.CONFIRMED)
    assert backend.read("InvestorRegistry", registry.address, "investorOf", wallet)[0] == 7
    assert mirror_status(backend=backend).refused == []


def test_bytes_refused_for_another_reason_are_shown_and_sent_once_the_cause_is_gone(
        db, backend, registry, chain_snapshot, settings):
    settings.CHAIN_REBROADCAST_AFTER_SECONDS = 0
    wallet = new_wallet()
    entry = put("registry.register_wallet", register_wallet_payload(8, wallet), "wallet:80:add")
    prepare_only(entry, backend)
    stored = ChainTransaction.objects.get(entry=entry)
    funds = backend.native_balance()
    chain_snapshot.rpc("anvil_setBalance", [backend.address, "0x0"])

    relay_sweep(backend=backend)
    assert confirm_sweep(backend=backend).bumped == 0   # new fees would not help

    stored.refresh_from_db()
    assert stored.status == Status.PREPARED and "insufficient funds" in stored.error_message.lower()
    [refused] = mirror_status(backend=backend).refused
    assert (refused.tx_hash, refused.nonce, refused.entry_id) == (stored.tx_hash, stored.nonce, entry.pk)

    chain_snapshot.rpc("anvil_setBalance", [backend.address, hex(funds)])
    assert relay_sweep(backend=backend).rebroadcast == 1
    confirm_sweep(backend=backend)

    stored.refresh_from_db()
    entry.refresh_from_db()
    assert (stored.status, entry.status) == (Status.CONFIRMED, OutboxEntry.Status.CONFIRMED)
    assert ChainTransaction.objects.filter(entry=entry).count() == 1   # the same bytes, never re-signed


def test_operators_see_refused_bytes_on_the_page_and_in_the_api(db, backend, registry, chain_snapshot, settings,
                                                                 operator, login_verified):
    settings.CHAIN_REBROADCAST_AFTER_SECONDS = 0
    entry = put("registry.register_wallet", register_wallet_payload(9, new_wallet()), "wallet:90:add")
    prepare_only(entry, backend)
    stored = ChainTransaction.objects.get(entry=entry)
    funds = backend.native_balance()
    chain_snapshot.rpc("anvil_setBalance", [backend.address, "0x0"])
    try:
        relay_sweep(backend=backend)
        client = login_verified(operator)

        partial = client.get(reverse("chain:mirror-status")).content.decode()
        api = client.get("/api/chain/mirror/").json()
    finally:
        chain_snapshot.rpc("anvil_setBalance", [backend.address, hex(funds)])

    assert 'data-testid="refused"' in partial and stored.tx_hash in partial and "insufficient funds" in partial.lower()
    [refused] = api["refused"]
    assert (refused["tx_hash"], refused["nonce"], refused["entry_id"]) == (stored.tx_hash, stored.nonce, entry.pk)
    assert "insufficient funds" in refused["error"].lower() and refused["attempts"] == 1
