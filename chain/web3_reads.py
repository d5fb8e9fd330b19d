"""Reads of the chain as of one block, for the reconciler and the paying agent's record close: a
mixin of :class:`chain.web3_backend.Web3Backend` (it uses the backend's ``rpc_batch``,
``_error_of`` and artifacts directory). Calldata and answers are written by hand
(chain/uint_reads.py): many wallets per round trip, nothing decoded by web3.
"""

from __future__ import annotations

import json

from .port import ChainUnavailable
from .uint_reads import (
    READER_ADDRESS,
    TOTAL_SUPPLY,
    balance_of_data,
    balances_of_data,
    balances_of_result,
    records_of_many_data,
    uint256_of,
    uint_array_of,
)

#: Wallets per BalanceReader / recordsOfMany eth_call, and the gas such a call may use: about 4,000
#: gas a wallet (two views, one cold storage read), so 4,000 wallets stay under geth's default
#: eth_call gas cap of 50 million.
READER_CHUNK = 4000
READER_GAS = 50_000_000


class PinnedReads:
    """Block-pinned bulk reads (balances, frozen amounts, supply, registry records)."""

    def balances_at(self, token: str, wallets: list[str], block: int, *, frozen: bool = False) -> list[int]:
        """``balanceOf`` (``frozenBalanceOf`` with ``frozen``) of each wallet as of the end of ``block`` (a past
        block: the node must keep that state, as archive nodes and anvil do), in ONE round trip, in order
        (calldata written by hand: chain/uint_reads.py)."""
        return self._uints_at(block, [(token, balance_of_data(w, frozen=frozen)) for w in wallets])

    def supply_at(self, token: str, block: int) -> int:
        """``totalSupply`` as of the end of ``block``."""
        return self._uints_at(block, [(token, TOTAL_SUPPLY)])[0]

    def holdings_at(self, token: str, wallets: list[str], block: int, *,
                    chunk: int = READER_CHUNK) -> tuple[list[int], list[int]]:
        """(balances, frozen amounts) of ``wallets`` as of the end of ``block``, in order: ``chunk`` wallets
        per ``eth_call`` of BalanceReader.balancesOf (platform/src/BalanceReader.sol), whose runtime code
        travels in the call's state override, so nothing is deployed. Measured on anvil (bench/reconcile.py,
        docs/chain.md): several times faster than two ``eth_call``s per wallet in JSON-RPC batches, and two
        orders of magnitude faster than one call per value. A node without state overrides (or any answer that is not a
        whole result) falls back to those batches (:meth:`balances_at`), same block, same errors."""
        balances: list[int] = []
        frozen: list[int] = []
        for start in range(0, len(wallets), chunk):
            part = wallets[start:start + chunk]
            got = self._reader_call(token, part, block)
            if got is None:
                got = (self.balances_at(token, part, block), self.balances_at(token, part, block, frozen=True))
            balances += got[0]
            frozen += got[1]
        return balances, frozen

    def _reader_call(self, token: str, wallets: list[str], block: int) -> tuple[list[int], list[int]] | None:
        """One balancesOf eth_call with the reader's code as a state override; None when the node
        did not give a whole answer (then the caller reads value by value)."""
        if self._reader_code is None:
            path = self._artifacts_dir / "BalanceReader.json"
            self._reader_code = json.loads(path.read_text())["deployedBytecode"] if path.exists() else ""
        if not self._reader_code:
            return None
        call = {"to": READER_ADDRESS, "data": balances_of_data(token, wallets), "gas": hex(READER_GAS)}
        [(result, error)] = self.rpc_batch([("eth_call", [call, hex(block), {READER_ADDRESS: {"code":
                                                                                             self._reader_code}}])])
        return balances_of_result(result, len(wallets)) if error is None else None

    def registry_records_at(self, registry: str, wallets: list[str], block: int, *,
                            chunk: int = READER_CHUNK) -> list[int]:
        """The registry's packed record (InvestorRecord.sol) of each wallet as of the end of ``block``,
        ``chunk`` wallets per ``eth_call`` of ``recordsOfMany``."""
        out: list[int] = []
        for start in range(0, len(wallets), chunk):
            part = wallets[start:start + chunk]
            call = {"to": registry, "data": records_of_many_data(part), "gas": hex(READER_GAS)}
            [(result, error)] = self.rpc_batch([("eth_call", [call, hex(block)])])
            if error is not None:
                problem = self._error_of(error)
                raise problem if isinstance(problem, ChainUnavailable) else ChainUnavailable(
                    f"chain node could not read the registry at block {block}: {problem.message}")
            records = uint_array_of(result, len(part))
            if records is None:
                raise ChainUnavailable(f"chain node gave no records at block {block}: {result!r:.80}")
            out += records
        return out

    def _uints_at(self, block: int, calls: list[tuple[str, str]]) -> list[int]:
        """uint256 view calls (address, 0x calldata) at ``block`` in one JSON-RPC batch. A read of
        the record must be whole: any error (or no contract there at that block) raises
        ChainUnavailable."""
        tag = hex(block)
        answers = self.rpc_batch([("eth_call", [{"to": address, "data": data}, tag]) for address, data in calls])
        out = []
        for result, error in answers:
            if error is not None:
                problem = self._error_of(error)
                raise problem if isinstance(problem, ChainUnavailable) else ChainUnavailable(
                    f"chain node could not read block {block}: {problem.message}")
            value = uint256_of(result)
            if value is None:
                raise ChainUnavailable(f"chain node gave no uint256 at block {block}: {result!r:.80}")
            out.append(value)
        return out
