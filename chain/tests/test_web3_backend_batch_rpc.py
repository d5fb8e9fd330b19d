"""Web3Backend's one-round-trip methods against the real anvil: answers come back in request
order, one request's failure is returned in its place (not raised), and a dead node raises
ChainUnavailable for the whole batch."""

from __future__ import annotations

import pytest

from chain.port import ChainReverted, ChainUnavailable, ContractCall, Receipt
from chain.web3_backend import Web3Backend, ref_bytes

from .conftest import FAR, JP, new_wallet

UNKNOWN_HASH = "0x" + "12" * 32


def _register(registry: str, ref: str, *, investor_id: int = 1, wallet: str | None = None) -> ContractCall:
    return ContractCall("InvestorRegistry", "registerWallet",
                        (ref_bytes(ref), wallet or new_wallet(), investor_id, JP, FAR, 1), registry)


def _signed(backend, call: ContractCall, *, nonce: int | None = None):
    """Signed locally with a fixed gas limit (no estimate: a reverting call signs too)."""
    max_fee, priority = backend.suggest_fees()
    return backend.build_and_sign(call, nonce=backend.next_nonce() if nonce is None else nonce, gas=300_000,
                                  max_fee_per_gas=max_fee, max_priority_fee_per_gas=priority)


def test_rpc_batch_keeps_the_order_and_returns_a_bad_request_in_its_place(backend):
    answers = backend.rpc_batch([("eth_chainId", []), ("eth_noSuchMethod", []),
                                 ("eth_getBalance", ["not-an-address", "latest"]), ("eth_blockNumber", [])])

    assert len(answers) == 4
    assert answers[0] == (hex(backend.chain_id()), None)
    for result, error in answers[1:3]:
        assert result is None and isinstance(error, dict) and error.get("message")
    head, error = answers[3]
    assert error is None and int(head, 16) == backend.block_number()


def test_rpc_batch_of_nothing_sends_nothing(chain_snapshot):
    dead = Web3Backend("http://127.0.0.1:9", chain_snapshot.keys[0], timeout=1)
    assert dead.rpc_batch([]) == []   # no request: a dead node is not even asked


def test_a_dead_node_makes_the_batch_methods_raise_chain_unavailable(chain_snapshot):
    dead = Web3Backend("http://127.0.0.1:9", chain_snapshot.keys[0], timeout=1)

    with pytest.raises(ChainUnavailable, match="unavailable"):
        dead.rpc_batch([("eth_blockNumber", [])])
    with pytest.raises(ChainUnavailable):
        dead.head_and_mined_nonce()
    with pytest.raises(ChainUnavailable):
        dead.broadcast_many([b"\x01"])
    with pytest.raises(ChainUnavailable):
        dead.receipts([UNKNOWN_HASH])


def test_estimate_gas_many_puts_a_revert_in_its_place(db, backend, registry):
    calls = [_register(registry.address, "est:1"),
             _register(registry.address, "est:2", investor_id=0),   # InvalidInvestorId
             _register(registry.address, "est:3", investor_id=2)]

    first, refused, last = backend.estimate_gas_many(calls)

    assert isinstance(first, int) and isinstance(last, int)
    assert 21_000 < first < 1_000_000 and 21_000 < last < 1_000_000
    assert isinstance(refused, ChainReverted) and refused.permanent
    assert refused.code == "InvalidInvestorId"
    assert backend.estimate_gas_many([]) == []


def test_estimate_gas_many_decodes_arguments_of_the_custom_error(db, backend, registry):
    [refused] = backend.estimate_gas_many([_register(registry.address, "est:zero",
                                                     wallet="0x" + "00" * 20)])
    assert isinstance(refused, ChainReverted) and refused.code == "InvalidWallet"
    assert refused.error_args == ("0x" + "00" * 20,)


def test_estimate_gas_many_keeps_a_revert_without_data_a_revert(db, backend, registry):
    no_such_function = ContractCall("SecurityToken", "pause", (ref_bytes("x"),), registry.address)

    [refused] = backend.estimate_gas_many([no_such_function])

    assert isinstance(refused, ChainReverted) and refused.code is None   # not ChainUnavailable


def test_broadcast_many_accepts_a_resend_and_refuses_garbage_in_its_place(db, backend, registry):
    signed = _signed(backend, _register(registry.address, "send:1"))

    outcomes = backend.broadcast_many([signed.raw, b"\x02garbage", signed.raw])

    assert outcomes[0] is None and outcomes[2] is None           # the same bytes twice are fine
    assert isinstance(outcomes[1], ChainUnavailable) and not outcomes[1].permanent
    backend.wait(signed.hash)   # anvil mines right after answering, not before
    assert backend.broadcast_many([signed.raw]) == [None]         # and again, after it mined
    assert backend.mined_nonce() == signed.nonce + 1              # sent once


def test_broadcast_many_refuses_a_transaction_with_a_broken_signature(db, backend, registry):
    signed = _signed(backend, _register(registry.address, "send:bad-sig"))
    broken = signed.raw[:-32] + bytes(32)   # s = 0: no valid signature

    [outcome] = backend.broadcast_many([broken])

    assert isinstance(outcome, ChainUnavailable)
    assert backend.mined_nonce() == signed.nonce   # nothing was mined


def test_receipts_of_mined_failed_and_unknown_transactions(db, backend, registry):
    good = _signed(backend, _register(registry.address, "rcpt:1"))
    bad = _signed(backend, _register(registry.address, "rcpt:2", investor_id=0), nonce=good.nonce + 1)
    assert backend.broadcast_many([good.raw, bad.raw]) == [None, None]
    backend.wait(bad.hash)   # anvil mines right after answering, not before

    mined, failed, unknown = backend.receipts([good.hash, bad.hash, UNKNOWN_HASH])

    assert isinstance(mined, Receipt) and mined.status == 1 and mined.tx_hash == good.hash
    assert mined.block_number > 0 and mined.gas_used > 21_000 and mined.error is None
    assert isinstance(failed, Receipt) and failed.status == 0
    assert failed.error and failed.error.startswith("InvalidInvestorId")
    assert unknown is None
    assert backend.receipts([]) == []


def test_known_many(db, backend, registry):
    signed = _signed(backend, _register(registry.address, "known:1"))
    backend.broadcast(signed.raw)

    assert backend.known_many([signed.hash, UNKNOWN_HASH, signed.hash]) == [True, False, True]


def test_head_and_mined_nonce_and_mined_nonce_at_an_older_block(db, backend, registry):
    head, count = backend.head_and_mined_nonce()
    assert (head, count) == (backend.block_number(), backend.mined_nonce())

    signed = _signed(backend, _register(registry.address, "nonce:1"))
    assert signed.nonce == count
    backend.broadcast(signed.raw)
    backend.wait(signed.hash)

    assert backend.head_and_mined_nonce() == (head + 1, count + 1)
    assert backend.mined_nonce(head) == count          # as of the block before it
    assert backend.mined_nonce() == count + 1
    assert backend.mined_nonce(0) == 0


def test_mined_nonce_of_a_future_block_is_refused(db, backend):
    with pytest.raises(ChainUnavailable):
        backend.mined_nonce(backend.block_number() + 1000)
