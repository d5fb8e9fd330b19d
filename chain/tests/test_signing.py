"""The relay's fast encoder and signer produce exactly what web3.py and eth-account produce."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils import keccak
from web3 import Web3

from chain.artifacts import load_artifacts
from chain.port import ContractCall
from chain.signing import Encoder, sign_eip1559
from chain.testing import DEV_KEYS

TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
WALLET = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


@pytest.fixture(scope="module")
def w3() -> Web3:
    return Web3()   # no provider needed: encoding only


@pytest.mark.parametrize("call", [
    ContractCall("SecurityToken", "mint", (keccak(text="k"), WALLET, 10**18), TOKEN),
    ContractCall("SecurityToken", "batchMint", (keccak(text="b"), [WALLET, TOKEN], [1, 2]), TOKEN),
    ContractCall("SecurityToken", "setWalletFrozen", (keccak(text="f"), WALLET, True), TOKEN),
    ContractCall("SecurityToken", "constructor", ("Bond", "BND", 0, TOKEN, WALLET, WALLET, TOKEN)),
    ContractCall("Settlement", "constructor", (WALLET, WALLET)),
])
def test_encoder_matches_web3(w3: Web3, call: ContractCall) -> None:
    art = load_artifacts()[call.artifact]
    ours = Encoder.from_abi(list(art.abi), art.bytecode).data(call)
    if call.address is None:
        theirs = w3.eth.contract(abi=list(art.abi), bytecode=art.bytecode).constructor(*call.args).data_in_transaction
    else:
        theirs = w3.eth.contract(address=call.address, abi=list(art.abi)).functions[call.function](
            *call.args)._encode_transaction_data()
    assert "0x" + ours.hex() == theirs


@pytest.mark.parametrize("to", [TOKEN, None])
def test_signature_matches_eth_account(to: str | None) -> None:
    account = Account.from_key(DEV_KEYS[1])
    data = bytes.fromhex("40c10f19") + bytes(64)
    for nonce in range(20):   # several nonces: covers both recovery ids
        ours = sign_eip1559(private_key=bytes(account.key), chain_id=31337, nonce=nonce, to=to, data=data,
                            gas=123_456, max_fee_per_gas=3 * 10**9, max_priority_fee_per_gas=10**9)
        tx = {"type": 2, "chainId": 31337, "nonce": nonce, "value": 0, "gas": 123_456, "data": data,
              "maxFeePerGas": 3 * 10**9, "maxPriorityFeePerGas": 10**9, "accessList": []}
        if to:
            tx["to"] = to
        theirs = account.sign_transaction(tx)
        assert ours.raw == bytes(theirs.raw_transaction)
        assert ours.hash == "0x" + bytes(theirs.hash).hex()


def test_unknown_function_is_refused() -> None:
    art = load_artifacts()["SecurityToken"]
    with pytest.raises(KeyError):
        Encoder.from_abi(list(art.abi), art.bytecode).data(ContractCall("SecurityToken", "nope", (), TOKEN))
