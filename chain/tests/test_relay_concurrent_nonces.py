"""16 relay workers on one signer: every action is sent once, under contiguous nonces with no
gap and no duplicate, and the node reports no nonce error."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from chain.backend import get_backend
from chain.models import ChainTransaction, SignerNonce
from chain.relay import relay_sweep
from core.models import OutboxEntry

from .conftest import new_wallet, put, register_wallet_payload, settle

WORKERS, ACTIONS = 16, 64


@pytest.mark.django_db(transaction=True)
def test_sixteen_concurrent_relays_share_one_signer_without_nonce_errors(chain_settings):
    from chain.services import registry_deploy

    backend = get_backend()
    registry, _ = registry_deploy(backend=backend)
    wallets = [new_wallet() for _ in range(ACTIONS)]
    for i, wallet in enumerate(wallets, start=1):
        put("registry.register_wallet", register_wallet_payload(i, wallet), f"wallet:{i}:add")
    first_nonce = backend.next_nonce()
    errors: list[BaseException] = []
    submitted: dict[int, int] = {}
    start = threading.Barrier(WORKERS)

    def worker() -> None:
        try:
            mine = get_backend()
            start.wait(timeout=30)
            deadline = time.monotonic() + 60
            while OutboxEntry.objects.filter(status=OutboxEntry.Status.PENDING).exists():
                result = relay_sweep(backend=mine, batch_size=2)
                submitted[threading.get_ident()] = submitted.get(threading.get_ident(), 0) + result.submitted
                if time.monotonic() > deadline:
                    raise AssertionError("relay workers did not drain the outbox in 60s")
        except BaseException as exc:  # noqa: BLE001 (reported by the main thread)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    assert not errors, errors
    assert sum(submitted.values()) == ACTIONS
    assert sum(1 for n in submitted.values() if n) >= 4                      # the work really was shared
    settle(backend)

    txs = list(ChainTransaction.objects.order_by("nonce"))
    assert len(txs) == ACTIONS                                               # one tx per action
    assert len({t.entry_id for t in txs}) == ACTIONS
    assert [t.nonce for t in txs] == list(range(first_nonce, first_nonce + ACTIONS))  # no gap, no duplicate
    assert {t.status for t in txs} == {ChainTransaction.Status.CONFIRMED}
    assert set(OutboxEntry.objects.values_list("status", flat=True)) == {"confirmed"}
    assert not OutboxEntry.objects.exclude(attempts=0).exists()              # no retry was needed
    assert SignerNonce.objects.get().next_nonce == first_nonce + ACTIONS == backend.mined_nonce()
    for i, wallet in enumerate(wallets, start=1):
        assert backend.read("InvestorRegistry", registry.address, "investorOf", wallet)[0] == i
