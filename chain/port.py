"""The chain port: what the rest of the platform may know about the chain.

Only our own frozen dataclasses and exceptions cross this boundary; no web3 type ever
leaves ``chain/``. The web3 adapter lives in :mod:`chain.web3_backend`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


class ChainError(Exception):
    """Any failure talking to the chain. ``permanent`` says whether retrying can help;
    ``code`` names the decoded custom error (e.g. ``"KycExpired"``) when there is one."""

    def __init__(self, message: str, *, permanent: bool, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.code = code


class ChainUnavailable(ChainError):
    """The node could not be reached or timed out: temporary, retry later."""

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message, permanent=False, code=code)


class ChainReverted(ChainError):
    """The contract refused the call; ``code`` is the custom error name, ``args`` its
    decoded arguments. Retrying the same call will fail the same way."""

    def __init__(self, message: str, *, code: str | None = None, args: tuple = ()):
        super().__init__(message, permanent=True, code=code)
        self.error_args = args


@dataclass(frozen=True)
class ContractCall:
    """A contract function call, ready to be signed: ``artifact`` names the ABI
    (``"SecurityToken"``, ``"InvestorRegistry"``); ``address`` is None for a deployment."""

    artifact: str
    function: str
    args: tuple = ()
    address: str | None = None


@dataclass(frozen=True)
class SignedTx:
    """A signed raw transaction. Persist it before broadcasting; rebroadcast the same bytes."""

    raw: bytes
    hash: str
    nonce: int


@dataclass(frozen=True)
class Receipt:
    """Outcome of a mined transaction (``status`` 1 = success, 0 = reverted)."""

    tx_hash: str
    status: int
    block_number: int
    gas_used: int
    error: str | None = None
    contract_address: str | None = None


TxResult = Receipt


@dataclass(frozen=True)
class ChainEvent:
    """A decoded contract log; ``args`` holds plain Python values (int, str, bool, list)."""

    contract: str
    name: str
    block_number: int
    tx_hash: str
    log_index: int
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Deployed:
    address: str
    tx_hash: str


class ChainBackend(Protocol):
    """Everything code outside the adapter may ask of the chain: the relay, the confirmer,
    the indexer, the reconciler, the operator page, ``chain_deploy``, the benchmarks and the
    tests. The web3 adapter (:class:`chain.web3_backend.Web3Backend`) implements each method
    with the same signature, and nothing outside it calls a method this port lacks
    (chain/tests/test_port.py checks both)."""

    #: The signer's checksum address (the agent key; it pays the gas).
    address: str

    # ------------------------------------------------------------ the node and the signer

    def chain_id(self) -> int: ...

    def block_number(self) -> int: ...

    def has_code(self, address: str) -> bool: ...

    def native_balance(self, address: str | None = None) -> int: ...

    def next_nonce(self) -> int: ...

    def mined_nonce(self, block: int | str = "latest") -> int: ...

    def head_and_mined_nonce(self) -> tuple[int, int]: ...

    def suggest_fees(self) -> tuple[int, int]: ...

    def fees_and_pending_nonce(self) -> tuple[tuple[int, int], int]: ...

    # ------------------------------------------------------------ estimate, sign, send, follow

    def estimate_gas(self, call: ContractCall) -> int: ...

    def estimate_gas_many(self, calls: list[ContractCall]) -> list[int | ChainReverted]: ...

    def build_and_sign(self, call: ContractCall, *, nonce: int, gas: int | None = None,
                       max_fee_per_gas: int | None = None,
                       max_priority_fee_per_gas: int | None = None) -> SignedTx: ...

    def broadcast(self, raw: bytes) -> str: ...

    def broadcast_many(self, raws: list[bytes]) -> list[ChainUnavailable | None]: ...

    def is_known(self, tx_hash: str) -> bool: ...

    def known_many(self, tx_hashes: list[str]) -> list[bool]: ...

    def receipt(self, tx_hash: str) -> Receipt | None: ...

    def receipts(self, tx_hashes: list[str]) -> list[Receipt | None]: ...

    def wait(self, tx_hash: str, *, timeout: float = 30.0) -> Receipt: ...

    # ------------------------------------------------------------ direct writes (scripts, chain_deploy, tests)

    def deploy_registry(self, *, admin: str | None = None, agent: str | None = None) -> Deployed: ...

    def deploy_token(self, *, name: str, symbol: str, decimals: int, registry: str,
                     admin: str | None = None, agent: str | None = None,
                     settlement: str | None = None) -> Deployed: ...

    def deploy_settlement(self, *, admin: str | None = None, operator: str | None = None) -> Deployed: ...

    def register_wallet(self, registry: str, *, ref: bytes | str, wallet: str, investor_id: int,
                        country: int, kyc_expiry: int, accredited: bool = False,
                        qualified: bool = False) -> Receipt: ...

    def remove_wallet(self, registry: str, *, ref: bytes | str, wallet: str) -> Receipt: ...

    def mint(self, token: str, *, ref: bytes | str, to: str, amount: int) -> Receipt: ...

    def forced_transfer(self, token: str, *, ref: bytes | str, sender: str, recipient: str,
                        amount: int) -> Receipt: ...

    def transfer(self, token: str, *, recipient: str, amount: int) -> Receipt: ...

    # ------------------------------------------------------------ reads

    def read(self, artifact: str, address: str, function: str, *args: Any) -> Any: ...

    def balance_of(self, token: str, wallet: str) -> int: ...

    def frozen_balance_of(self, token: str, wallet: str) -> int: ...

    def total_supply(self, token: str) -> int: ...

    def balances_at(self, token: str, wallets: list[str], block: int, *, frozen: bool = False) -> list[int]: ...

    def supply_at(self, token: str, block: int) -> int: ...

    def holdings_at(self, token: str, wallets: list[str], block: int, *,
                    chunk: int = 4000) -> tuple[list[int], list[int]]:
        """(balances, frozen amounts) of ``wallets`` at ``block``, ``chunk`` wallets per call (the reconciler)."""
        ...

    def registry_records_at(self, registry: str, wallets: list[str], block: int, *, chunk: int = 4000) -> list[int]:
        """The registry's packed record of each wallet at ``block`` (InvestorRecord.sol)."""
        ...

    def holders(self, token: str) -> int: ...

    def detect_transfer_restriction(self, token: str, sender: str, recipient: str, amount: int) -> int: ...

    def events(self, contract: str, from_block: int, to_block: int) -> list[ChainEvent]: ...
