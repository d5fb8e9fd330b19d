"""Hand-written calldata and results for the record's bulk reads (web3_backend.balances_at,
supply_at): for the 10,000 holders of a record, checksumming and ABI-encoding each address
through web3 took seconds; a balanceOf call is only the selector and the address left-padded
to 32 bytes, and its answer one 32-byte word."""

from __future__ import annotations

import re

from eth_utils import function_signature_to_4byte_selector

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_UINT256 = re.compile(r"0x[0-9a-fA-F]{64}")
_BALANCE_OF = "0x" + function_signature_to_4byte_selector("balanceOf(address)").hex()
_FROZEN_BALANCE_OF = "0x" + function_signature_to_4byte_selector("frozenBalanceOf(address)").hex()
TOTAL_SUPPLY = "0x" + function_signature_to_4byte_selector("totalSupply()").hex()


def balance_of_data(wallet: str, *, frozen: bool = False) -> str:
    """The 0x calldata of balanceOf(wallet) (frozenBalanceOf with ``frozen``); ValueError for
    anything but a 20-byte hex address."""
    if not _ADDRESS.fullmatch(wallet):
        raise ValueError(f"not an address: {wallet!r:.60}")
    return (_FROZEN_BALANCE_OF if frozen else _BALANCE_OF) + "0" * 24 + wallet[2:].lower()


def uint256_of(result: object) -> int | None:
    """The uint256 a view call answered (0x + 64 hex digits), None for anything else."""
    return int(result, 16) if isinstance(result, str) and _UINT256.fullmatch(result) else None
