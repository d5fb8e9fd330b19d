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
    """What the relay, confirmer, indexer and reconciler use."""

    def build_and_sign(self, call: ContractCall, *, nonce: int, gas: int | None = None,
                       max_fee_per_gas: int | None = None,
                       max_priority_fee_per_gas: int | None = None) -> SignedTx: ...

    def broadcast(self, raw: bytes) -> str: ...

    def receipt(self, tx_hash: str) -> Receipt | None: ...

    def wait(self, tx_hash: str, *, timeout: float = 30.0) -> Receipt: ...

    def events(self, contract: str, from_block: int, to_block: int) -> list[ChainEvent]: ...

    def block_number(self) -> int: ...

    def balance_of(self, token: str, wallet: str) -> int: ...

    def total_supply(self, token: str) -> int: ...

    def holders(self, token: str) -> int: ...

    def detect_transfer_restriction(self, token: str, sender: str, recipient: str, amount: int) -> int: ...
