"""The indexer records a transfer an investor made directly on chain into the register,
once, however often the blocks are read (re-reads, reorgs), and leaves our own
transactions (mints, batches, forced transfers) and agent operations alone."""

from __future__ import annotations

from chain.indexer import index_sweep
from chain.models import IndexCursor, SeenWallet
from chain.web3_backend import Web3Backend
from core.models import OutboxEntry
from investors.tests.factories import OTHER_KEY, VERIFIED_INVESTOR_KEY
from ledger.models import TokenAction
from ledger.selectors import register_positions

from .conftest import put, settle


def _investor(chain_snapshot, key: str) -> Web3Backend:
    return Web3Backend(chain_snapshot.rpc_url, key)


def test_a_direct_transfer_is_recorded_once(mirrored_bond, backend, chain_snapshot):
    b = mirrored_bond
    _investor(chain_snapshot, VERIFIED_INVESTOR_KEY).transfer(b.token, recipient=b.second, amount=30)

    first = index_sweep(backend=backend)
    again = index_sweep(backend=backend)

    assert first.recorded == 1 and again.recorded == 0
    [action] = TokenAction.objects.filter(security=b.security, origin=TokenAction.Origin.CHAIN)
    assert (action.from_wallet, action.to_wallet, int(action.amount)) == (b.first, b.second, 30)
    assert register_positions(security=b.security) == {b.first: (70, 0), b.second: (80, 0)}
    assert action.outbox_id is None                      # nothing goes back to the chain
    assert not OutboxEntry.objects.filter(status__in=["pending", "submitted"]).exists()
    assert set(SeenWallet.objects.values_list("wallet", flat=True)) == {b.first, b.second}
    cursor = IndexCursor.objects.get(contract=f"SecurityToken:{b.security.pk}")
    assert cursor.next_block == backend.block_number() + 1


def test_our_own_transactions_and_agent_operations_are_not_recorded(mirrored_bond, backend):
    b = mirrored_bond
    put("token.forced_transfer", {"security_id": b.security.pk, "from_wallet": b.second, "to_wallet": b.first,
                                  "amount": "5"}, "test:forced:1")
    settle(backend)                                                     # ours: a ChainTransaction
    backend.forced_transfer(b.token, ref=b"\x01" * 32, sender=b.first, recipient=b.second, amount=2)  # agent, not ours

    result = index_sweep(backend=backend)

    assert result.recorded == 0 and result.ours == 2
    assert not TokenAction.objects.filter(origin=TokenAction.Origin.CHAIN).exists()


def test_a_reorg_re_read_does_not_record_twice(mirrored_bond, backend, chain_snapshot):
    b = mirrored_bond
    investor = _investor(chain_snapshot, OTHER_KEY)
    before = chain_snapshot.rpc("evm_snapshot")
    signed = investor.build_and_sign(investor_transfer(b, 20), nonce=investor.next_nonce())
    investor.wait(investor.broadcast(signed.raw))
    assert index_sweep(backend=backend).recorded == 1

    # The block holding the transfer is dropped; the same transaction lands in a later block.
    chain_snapshot.rpc("evm_revert", [before])
    chain_snapshot.rpc("anvil_mine", ["0x2"])
    investor.wait(investor.broadcast(signed.raw))
    result = index_sweep(backend=backend)

    assert result.recorded == 0 and result.already == 1
    assert TokenAction.objects.filter(origin=TokenAction.Origin.CHAIN).count() == 1
    assert register_positions(security=b.security) == {b.first: (120, 0), b.second: (30, 0)}


def investor_transfer(b, amount: int):
    from chain.port import ContractCall

    return ContractCall("SecurityToken", "transfer", (b.first, amount), b.token)
