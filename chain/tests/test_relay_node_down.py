"""The node is down: nothing is signed, the action backs off (attempts, available_at in the
future, jitter) and goes through once the node is back."""

from __future__ import annotations

import pytest
from django.utils import timezone

from chain.models import ChainTransaction, SignerNonce
from chain.port import ChainUnavailable
from chain.relay import relay_sweep
from chain.sending import Prepared, broadcast
from chain.web3_backend import Web3Backend
from core.models import OutboxEntry

from .conftest import new_wallet, put, register_wallet_payload, settle

DEAD = "http://127.0.0.1:9"


def test_node_down_backs_off_then_succeeds(db, backend, registry, chain_settings):
    entries = [put("registry.register_wallet", register_wallet_payload(i, new_wallet()), f"wallet:{i}:add")
               for i in (1, 2)]
    dead = Web3Backend(DEAD, chain_settings.CHAIN_SIGNER_KEY, timeout=1)

    with pytest.raises(ChainUnavailable):
        relay_sweep(backend=dead)

    for entry in entries:
        entry.refresh_from_db()
        assert entry.status == OutboxEntry.Status.PENDING
        assert entry.attempts == 1 and entry.available_at > timezone.now()
        assert entry.last_error.startswith("[unavailable] chain node unavailable")
    assert not ChainTransaction.objects.exists() and not SignerNonce.objects.exists()
    assert relay_sweep(backend=backend).claimed == 0            # backing off: not due yet

    settle(backend)                                              # (settle makes them due)
    assert set(OutboxEntry.objects.values_list("status", flat=True)) == {"confirmed"}


def test_node_down_between_prepare_and_broadcast_keeps_the_signed_tx(db, backend, registry, chain_settings):
    from .conftest import prepare_only

    entry = put("registry.register_wallet", register_wallet_payload(6, new_wallet()), "wallet:6:add")
    prepared = prepare_only(entry, backend)
    dead = Web3Backend(DEAD, chain_settings.CHAIN_SIGNER_KEY, timeout=1)
    with pytest.raises(ChainUnavailable):
        broadcast(Prepared(prepared.tx_id, prepared.tx_hash, prepared.raw), backend=dead)
    tx = ChainTransaction.objects.get()
    assert tx.status == ChainTransaction.Status.PREPARED and tx.broadcast_attempts == 1

    settle(backend)
    tx.refresh_from_db()
    assert tx.status == ChainTransaction.Status.CONFIRMED and ChainTransaction.objects.count() == 1
