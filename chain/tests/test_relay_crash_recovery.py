"""A crash between storing the signed tx and broadcasting it: the next sweep sends the
stored bytes (same hash, same nonce), never a second signature."""

from __future__ import annotations

from chain.confirmer import confirm_sweep
from chain.models import ChainTransaction, SignerNonce
from chain.relay import relay_sweep
from core.models import OutboxEntry

from .conftest import new_wallet, prepare_only, put, register_wallet_payload


def test_prepared_but_not_broadcast_is_rebroadcast_from_the_stored_bytes(db, backend, registry):
    wallet = new_wallet()
    entry = put("registry.register_wallet", register_wallet_payload(3, wallet), "wallet:30:add")
    prepared = prepare_only(entry, backend)
    tx = ChainTransaction.objects.get(entry=entry)
    assert tx.status == ChainTransaction.Status.PREPARED and tx.tx_hash == prepared.tx_hash
    assert not backend.is_known(prepared.tx_hash)        # it never left the process
    entry.refresh_from_db()
    assert entry.status == OutboxEntry.Status.SUBMITTED  # so no sweep signs it again

    result = relay_sweep(backend=backend)

    assert (result.rebroadcast, result.claimed) == (1, 0)
    assert ChainTransaction.objects.filter(entry=entry).count() == 1
    tx.refresh_from_db()
    assert tx.status == ChainTransaction.Status.BROADCAST and tx.tx_hash == prepared.tx_hash
    assert SignerNonce.objects.get().next_nonce == tx.nonce + 1
    confirm_sweep(backend=backend)
    entry.refresh_from_db()
    assert entry.status == OutboxEntry.Status.CONFIRMED
    assert backend.read("InvestorRegistry", registry.address, "investorOf", wallet)[0] == 3


def test_crash_after_broadcast_before_marking_it(db, backend, registry):
    entry = put("registry.register_wallet", register_wallet_payload(4, new_wallet()), "wallet:31:add")
    prepared = prepare_only(entry, backend)
    backend.broadcast(prepared.raw)                       # sent (and mined), but never marked

    relay_sweep(backend=backend)                          # "already known"/"nonce too low": fine
    confirm_sweep(backend=backend)

    entry.refresh_from_db()
    tx = ChainTransaction.objects.get(entry=entry)
    assert entry.status == OutboxEntry.Status.CONFIRMED
    assert tx.status == ChainTransaction.Status.CONFIRMED and tx.tx_hash == prepared.tx_hash


def test_a_confirmer_sees_a_mined_tx_still_marked_prepared(db, backend, registry):
    entry = put("registry.register_wallet", register_wallet_payload(5, new_wallet()), "wallet:32:add")
    prepared = prepare_only(entry, backend)
    backend.broadcast(prepared.raw)

    assert confirm_sweep(backend=backend).confirmed == 1
    entry.refresh_from_db()
    assert entry.status == OutboxEntry.Status.CONFIRMED
