"""Fast local encoding and signing of contract calls (EIP-1559 transactions).

web3.py's contract objects take ~1 ms to encode a call and eth-account ~0.4 ms to sign it;
the relay signs hundreds of transactions per second, so it encodes with eth-abi from the ABI
directly (selector + arguments, or bytecode + constructor arguments) and signs the type-2
envelope with coincurve (RFC 6979, the same deterministic signature eth-account produces:
chain/tests/test_signing.py compares the bytes). ~0.1 ms per transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import coincurve
import rlp
from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector, keccak, to_canonical_address

from .port import ContractCall, SignedTx

#: secp256k1's group order; signatures are normalised to low s (EIP-2).
_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _abi_type(item: dict) -> str:
    """The canonical ABI type of an input (tuples spelled out)."""
    kind = item["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in item["components"]) + ")" + kind[len("tuple"):]
    return kind


@dataclass(frozen=True)
class Encoder:
    """Encodes calls of one artifact: function selector + arguments, or, for a deployment,
    the bytecode + constructor arguments."""

    functions: dict[str, tuple[bytes, tuple[str, ...]]]
    constructor: tuple[str, ...]
    bytecode: bytes

    @classmethod
    def from_abi(cls, abi: list[dict], bytecode: str | bytes) -> Encoder:
        functions: dict[str, tuple[bytes, tuple[str, ...]]] = {}
        constructor: tuple[str, ...] = ()
        for item in abi:
            types = tuple(_abi_type(i) for i in item.get("inputs", []))
            if item["type"] == "function":
                if item["name"] in functions:
                    raise ValueError(f"overloaded function {item['name']} is not supported")
                functions[item["name"]] = (function_signature_to_4byte_selector(
                    f"{item['name']}({','.join(types)})"), types)
            elif item["type"] == "constructor":
                constructor = types
        code = bytes.fromhex(bytecode[2:] if bytecode.startswith("0x") else bytecode) \
            if isinstance(bytecode, str) else bytes(bytecode)
        return cls(functions=functions, constructor=constructor, bytecode=code)

    def data(self, call: ContractCall) -> bytes:
        if call.address is None:
            return self.bytecode + abi_encode(list(self.constructor), list(call.args))
        selector, types = self.functions[call.function]
        return selector + abi_encode(list(types), list(call.args))


def sign_eip1559(*, private_key: bytes, chain_id: int, nonce: int, to: str | None, data: bytes, gas: int,
                 max_fee_per_gas: int, max_priority_fee_per_gas: int, value: int = 0) -> SignedTx:
    """Sign a type-2 transaction; returns the raw bytes (0x02 || rlp) and their hash."""
    fields = [chain_id, nonce, max_priority_fee_per_gas, max_fee_per_gas, gas,
              to_canonical_address(to) if to else b"", value, data, []]
    digest = keccak(b"\x02" + rlp.encode(fields))
    signature = coincurve.PrivateKey(private_key).sign_recoverable(digest, hasher=None)
    r, s, v = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big"), signature[64]
    if s > _N // 2:   # coincurve already returns low s; keep the envelope canonical regardless
        s, v = _N - s, v ^ 1
    raw = b"\x02" + rlp.encode([*fields, v, r, s])
    return SignedTx(raw=raw, hash="0x" + keccak(raw).hex(), nonce=nonce)
