"""Hand-written calldata and results for the record's bulk reads (web3_backend.balances_at,
supply_at): for the 10,000 holders of a record, checksumming and ABI-encoding each address
through web3 took seconds; a balanceOf call is only the selector and the address left-padded
to 32 bytes, and its answer one 32-byte word."""

from __future__ import annotations

import re

from eth_utils import function_signature_to_4byte_selector, keccak

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


# ---------------------------------------------------------------- BalanceReader (one eth_call, many wallets)

#: Where the reconciler's reader lives during its eth_call: never deployed, its runtime code
#: rides in the call's state override (platform/src/BalanceReader.sol). An address no key
#: controls and no precompile uses.
READER_ADDRESS = "0x" + keccak(text="shoken.BalanceReader")[-20:].hex()
_BALANCES_OF = function_signature_to_4byte_selector("balancesOf(address,address[])").hex()


def balances_of_data(token: str, wallets: list[str]) -> str:
    """The 0x calldata of BalanceReader.balancesOf(token, wallets), written by hand (100,000
    addresses through eth-abi take seconds); ValueError for anything but 20-byte hex addresses."""
    for address in (token, *wallets):
        if not _ADDRESS.fullmatch(address):
            raise ValueError(f"not an address: {address!r:.60}")
    words = [_BALANCES_OF, _word(token), f"{64:064x}", f"{len(wallets):064x}"]
    words += [_word(w) for w in wallets]
    return "0x" + "".join(words)


def _word(address: str) -> str:
    return "0" * 24 + address[2:].lower()


def balances_of_result(result: object, count: int) -> tuple[list[int], list[int]] | None:
    """(balances, frozen) from balancesOf's answer for ``count`` wallets: two uint256[] in the
    ABI's layout, head (two offsets) then each array's length and words. None for anything
    else (a short or malformed answer is never half-read)."""
    if not isinstance(result, str) or not result.startswith("0x"):
        return None
    body = result[2:]
    expected = 64 * (2 + 2 * (1 + count))
    if len(body) != expected:
        return None
    try:
        words = [int(body[i:i + 64], 16) for i in range(0, expected, 64)]
    except ValueError:
        return None
    first, second = words[0] // 32, words[1] // 32
    if first != 2 or second != 3 + count or words[first] != count or words[second] != count:
        return None
    return words[first + 1:first + 1 + count], words[second + 1:second + 1 + count]


_RECORDS_OF_MANY = function_signature_to_4byte_selector("recordsOfMany(address[])").hex()


def records_of_many_data(wallets: list[str]) -> str:
    """The 0x calldata of InvestorRegistry.recordsOfMany(wallets)."""
    for address in wallets:
        if not _ADDRESS.fullmatch(address):
            raise ValueError(f"not an address: {address!r:.60}")
    return "0x" + "".join([_RECORDS_OF_MANY, f"{32:064x}", f"{len(wallets):064x}", *map(_word, wallets)])


def uint_array_of(result: object, count: int) -> list[int] | None:
    """The ``count`` words of a single uint256[] answer, None for anything else."""
    if not isinstance(result, str) or not result.startswith("0x") or len(result) != 2 + 64 * (2 + count):
        return None
    try:
        words = [int(result[i:i + 64], 16) for i in range(2, len(result), 64)]
    except ValueError:
        return None
    if words[0] != 32 or words[1] != count:
        return None
    return words[2:]
