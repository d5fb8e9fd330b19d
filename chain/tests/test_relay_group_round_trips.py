"""A sweep over independent single actions (mints of one token, batching off) estimates
them in ONE JSON-RPC round trip and broadcasts them in ONE, with consecutive nonces in claim
order; a registry action among them cuts the group, and the nonces still follow claim order."""

from __future__ import annotations

import pytest

from chain.models import ChainTransaction, DeployedContract
from chain.relay import relay_sweep
from core.models import OutboxEntry

from .conftest import new_wallet, put, register_wallet_payload, settle

TOKEN = {"security_id": 71, "name": "Round Trip Bond", "symbol": "RT71", "decimals": 0, "rules": {}}


class Counting:
    """The backend, counting the batch calls the relay makes (and what each carried)."""

    def __init__(self, backend) -> None:
        self._backend = backend
        self.estimates: list[int] = []
        self.broadcasts: list[int] = []

    def __getattr__(self, name):
        return getattr(self._backend, name)

    def estimate_gas_many(self, calls):
        self.estimates.append(len(calls))
        return self._backend.estimate_gas_many(calls)

    def broadcast_many(self, raws):
        self.broadcasts.append(len(raws))
        return self._backend.broadcast_many(raws)


@pytest.fixture
def token_with_holders(db, backend, registry, settings):
    settings.CHAIN_BATCH_MINTS = False
    wallets = [new_wallet() for _ in range(5)]
    for i, wallet in enumerate(wallets):
        put("registry.register_wallet", register_wallet_payload(300 + i, wallet), f"wallet:rt{i}:add")
    put("token.deploy", TOKEN, "offering:71:deploy")
    settle(backend)
    return DeployedContract.objects.get(name="SecurityToken:71").address, wallets


def _nonces_in_claim_order(entries: list[OutboxEntry]) -> list[int]:
    by_entry = dict(ChainTransaction.objects.filter(entry__in=entries).values_list("entry_id", "nonce"))
    assert len(by_entry) == len(entries), "every action got exactly one transaction"
    return [by_entry[e.pk] for e in sorted(entries, key=lambda e: e.pk)]


def test_five_independent_mints_take_one_estimate_and_one_broadcast(backend, token_with_holders):
    token, wallets = token_with_holders
    mints = [put("token.mint", {"security_id": 71, "wallet": w, "amount": str(i + 1)}, f"action:rt{i}")
             for i, w in enumerate(wallets)]
    counting = Counting(backend)

    result = relay_sweep(backend=counting)

    assert (result.claimed, result.submitted, result.failed, result.waiting) == (5, 5, 0, 0)
    assert counting.estimates == [5]
    assert counting.broadcasts == [5]
    nonces = _nonces_in_claim_order(mints)
    assert nonces == list(range(nonces[0], nonces[0] + 5))
    settle(backend)
    assert backend.total_supply(token) == 15
    assert not ChainTransaction.objects.filter(function="batchMint").exists()


def test_a_registry_action_between_mints_cuts_the_group(backend, token_with_holders):
    token, wallets = token_with_holders
    # The mints after the registration do not need it: right after a broadcast, anvil may not
    # have mined it yet when the next group is estimated (that mint would wait, by design).
    late = new_wallet()
    entries = [put("token.mint", {"security_id": 71, "wallet": wallets[0], "amount": "1"}, "action:cut1"),
               put("token.mint", {"security_id": 71, "wallet": wallets[1], "amount": "2"}, "action:cut2"),
               put("registry.register_wallet", register_wallet_payload(399, late), "wallet:late:add"),
               put("token.mint", {"security_id": 71, "wallet": wallets[2], "amount": "3"}, "action:cut3"),
               put("token.mint", {"security_id": 71, "wallet": wallets[3], "amount": "4"}, "action:cut4")]
    counting = Counting(backend)

    result = relay_sweep(backend=counting)

    assert (result.submitted, result.failed, result.waiting) == (5, 0, 0)
    assert counting.estimates == [2, 1, 2]       # mints | the registration | mints
    assert counting.broadcasts == [2, 1, 2]
    nonces = _nonces_in_claim_order(entries)
    assert nonces == list(range(nonces[0], nonces[0] + 5))
    settle(backend)
    assert set(OutboxEntry.objects.filter(pk__in=[e.pk for e in entries]).values_list("status", flat=True)) == {
        "confirmed"}
    assert backend.total_supply(token) == 10
