"""The outbox contract: every kind of action the chain must mirror, and its payload type.

Each kind has one frozen dataclass, built by its producer and checked when it is built (a
bad payload raises :class:`OutboxPayloadError` before anything is written); core/outbox.py
stores ``payload.to_json()`` and chain/ reads a row back with :func:`payload_from_json`,
then maps the payload type to its contract call (chain/calls.py, one function per kind).

The JSON of a row (what older rows hold too): ids and small numbers as ints, token amounts
as decimal strings of base units (a uint256 is no JSON-safe number), wallets as EIP-55
strings, countries as ISO 3166-1 numeric ints, times as unix seconds. The relay uses a hash
of the idempotency key as the call's 32-byte `ref`, so a replayed action is refused on chain
too. Contract signatures: platform/README.md.

| kind                                  | payload                                        | contract call         |
|---------------------------------------|------------------------------------------------|-----------------------|
| registry.register_wallet              | investor_id, wallet, country, kyc_expiry,      | InvestorRegistry.     |
|                                       | accredited, qualified                          | registerWallet        |
| registry.update_investor              | investor_id, country, kyc_expiry, accredited,  | InvestorRegistry.     |
|                                       | qualified                                      | updateInvestor        |
| registry.revoke_wallet                | investor_id, wallet                            | InvestorRegistry.     |
|                                       |                                                | revokeWallet          |
| token.deploy                          | security_id, name, symbol, decimals, rules     | deploy SecurityToken  |
|                                       | {countries, accredited_only, qualified_only,   |                       |
|                                       | lockup_until, max_holders,                     |                       |
|                                       | max_investor_balance}                          |                       |
| token.mint / token.burn               | security_id, wallet, amount                    | mint / burn           |
| token.transfer, token.forced_transfer | security_id, from_wallet, to_wallet, amount    | forcedTransfer        |
| token.freeze_wallet                   | security_id, wallet, frozen                    | setWalletFrozen       |
| token.freeze_tokens / unfreeze_tokens | security_id, wallet, amount                    | freezeTokens /        |
|                                       |                                                | unfreezeTokens        |
| token.recover_wallet                  | security_id, lost_wallet, new_wallet           | recoverWallet         |
| token.pause / token.unpause           | security_id                                    | pause / unpause       |
| token.set_document                    | security_id, name, uri, sha256                 | setDocument           |
| token.set_rules                       | security_id, rules {as in token.deploy}        | setRules +            |
|                                       |                                                | setCountriesAllowed   |
| settlement.dvp                        | settlement_id, security_id, cash_id,           | Settlement.settle     |
|                                       | seller_wallet, buyer_wallet, units, price,     | (no ref: the nonce    |
|                                       | nonce, deadline, seller_signature,             | is the replay guard)  |
|                                       | buyer_signature                                |                       |
| settlement.primary                    | as settlement.dvp without seller_signature     | Settlement.           |
|                                       | (seller: the issuer's treasury wallet)         | settlePrimary         |
| payment.batch                         | security_id (the cash token), batch_id,        | SecurityToken.        |
|                                       | from_wallet, wallets[], amounts[]              | batchPay              |
| redemption.burn                       | security_id, batch_id, wallets[], amounts[]    | batchBurn             |

Widths are the contracts' (investor_id uint64, country uint16, kyc_expiry and lockup_until
uint40, decimals uint8, max_holders uint32, max_investor_balance uint128, amounts uint256);
security ids fit a bigint. A settlement's units, price and nonce are uint256 (decimal strings),
its deadline uint40 unix seconds, its signatures 65 bytes as 0x + 130 hex digits; seller and
buyer differ, and so do the security and the cash token. Every field is required in the JSON
except the rules (of token.deploy, and each rule inside `rules`), which default to "no rule"
(empty, false, 0).
A new kind adds a member to OutboxKind, a dataclass here registered in PAYLOAD_TYPES, and a
function in chain/calls.py; core/tests/test_outbox_contract.py and chain/tests fail until
all three exist.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar, Self

from django.db import models
from django.utils.translation import gettext as _
from eth_utils import is_checksum_address

from .errors import ApplicationError


class OutboxKind(models.TextChoices):
    REGISTER_WALLET = "registry.register_wallet"
    UPDATE_INVESTOR = "registry.update_investor"
    REVOKE_WALLET = "registry.revoke_wallet"
    TOKEN_DEPLOY = "token.deploy"
    TOKEN_MINT = "token.mint"
    TOKEN_BURN = "token.burn"
    TOKEN_TRANSFER = "token.transfer"
    TOKEN_FORCED_TRANSFER = "token.forced_transfer"
    TOKEN_FREEZE_WALLET = "token.freeze_wallet"
    TOKEN_FREEZE_TOKENS = "token.freeze_tokens"
    TOKEN_UNFREEZE_TOKENS = "token.unfreeze_tokens"
    TOKEN_RECOVER_WALLET = "token.recover_wallet"
    TOKEN_PAUSE = "token.pause"
    TOKEN_UNPAUSE = "token.unpause"
    TOKEN_SET_DOCUMENT = "token.set_document"
    TOKEN_SET_RULES = "token.set_rules"
    SETTLEMENT_DVP = "settlement.dvp"
    SETTLEMENT_PRIMARY = "settlement.primary"
    PAYMENT_BATCH = "payment.batch"
    REDEMPTION_BURN = "redemption.burn"


class OutboxPayloadError(ApplicationError):
    """A payload that does not meet its kind's contract (a producer's bug, or a row that
    cannot be sent). `kind`, `field` and `problem` say which and why, in English, for logs
    and the relay's last_error."""

    default_code = "invalid_outbox_payload"

    def __init__(self, kind: str, field_name: str, problem: str) -> None:
        message = _("The chain action %(kind)s has an invalid %(field)s: %(problem)s.") % {
            "kind": kind, "field": field_name, "problem": problem}
        super().__init__(message, fields={field_name: problem} if field_name else None)
        self.kind, self.field, self.problem = kind, field_name, problem

    def __str__(self) -> str:
        return f"{self.kind}: {self.field} {self.problem}" if self.field else f"{self.kind}: {self.problem}"


# ---------------------------------------------------------------- field codecs

class _Invalid(Exception):
    """A field's value is wrong (the problem, in English); the payload adds kind and field."""


@lru_cache(maxsize=65536)
def _is_eip55(value: str) -> bool:
    """A keccak each time, so kept: the same wallets come back over and over."""
    return is_checksum_address(value)


_DIGITS = re.compile(r"[0-9]+")
_HEX32 = re.compile(r"(0x)?[0-9a-fA-F]{64}")
_SIGNATURE = re.compile(r"0x[0-9a-fA-F]{130}")   # r, s, v: 65 bytes


@dataclass(frozen=True)
class _Uint:
    """An unsigned integer of `bits` bits; in the JSON an int, or a decimal string (`text`)."""

    bits: int
    text: bool = False

    def check(self, value: Any) -> None:
        if type(value) is not int:
            raise _Invalid(f"must be an int, not {value!r}")
        if not 0 <= value < 2**self.bits:
            raise _Invalid(f"is out of range for uint{self.bits}: {value}")

    def dump(self, value: int) -> int | str:
        return str(value) if self.text else value

    def load(self, raw: Any) -> int:
        if not self.text:
            self.check(raw)
            return raw
        if not isinstance(raw, str) or not _DIGITS.fullmatch(raw):
            raise _Invalid(f"must be a decimal string of base units, not {raw!r}")
        value = int(raw)
        self.check(value)
        return value


@dataclass(frozen=True)
class _Scalar:
    """A bool or a str, the same in Python and JSON; `pattern`/`max_bytes` bound a str."""

    type: type
    nonempty: bool = False
    max_bytes: int = 0
    pattern: re.Pattern | None = None
    eip55: bool = False

    def check(self, value: Any) -> None:
        if type(value) is not self.type:
            raise _Invalid(f"must be a {self.type.__name__}, not {value!r}")
        if self.eip55 and not _is_eip55(value):
            raise _Invalid(f"must be an EIP-55 checksummed address, not {value!r}")
        if self.nonempty and not value:
            raise _Invalid("must not be empty")
        if self.max_bytes and len(value.encode()) > self.max_bytes:
            raise _Invalid(f"must be at most {self.max_bytes} bytes: {value!r}")
        if self.pattern is not None and not self.pattern.fullmatch(value):
            raise _Invalid(f"is malformed: {value!r}")

    def dump(self, value: Any) -> Any:
        return value

    def load(self, raw: Any) -> Any:
        self.check(raw)
        return raw


@dataclass(frozen=True)
class _List:
    """A non-empty list of at most `max_items` values of one codec: a tuple here, a list in the JSON."""

    item: Any
    max_items: int = 1000

    def check(self, value: Any) -> None:
        if not isinstance(value, tuple) or not 1 <= len(value) <= self.max_items:
            raise _Invalid(f"must be a tuple of 1..{self.max_items} items, not {value!r:.80}")
        for item in value:
            self.item.check(item)

    def dump(self, value: tuple) -> list:
        return [self.item.dump(item) for item in value]

    def load(self, raw: Any) -> tuple:
        if not isinstance(raw, list):
            raise _Invalid(f"must be a list, not {raw!r:.80}")
        value = tuple(self.item.load(item) for item in raw)
        self.check(value)
        return value


@dataclass(frozen=True)
class _Countries:
    """ISO 3166-1 numeric codes: a tuple here, a list in the JSON."""

    def check(self, value: Any) -> None:
        if not isinstance(value, tuple) or any(type(c) is not int or not 1 <= c <= 999 for c in value):
            raise _Invalid(f"must be a tuple of ISO 3166-1 numeric codes (1..999), not {value!r}")

    def dump(self, value: tuple[int, ...]) -> list[int]:
        return list(value)

    def load(self, raw: Any) -> tuple[int, ...]:
        if not isinstance(raw, list):
            raise _Invalid(f"must be a list of ISO 3166-1 numeric codes, not {raw!r}")
        value = tuple(raw)
        self.check(value)
        return value


@dataclass(frozen=True)
class _Nested:
    """Another payload-like dataclass (the rules), as a JSON object."""

    type: type

    def check(self, value: Any) -> None:
        if type(value) is not self.type:
            raise _Invalid(f"must be a {self.type.__name__}, not {value!r}")

    def dump(self, value: Any) -> dict:
        return value.to_json()

    def load(self, raw: Any) -> Any:
        if not isinstance(raw, dict):
            raise _Invalid(f"must be a JSON object, not {raw!r}")
        return self.type.from_json(raw)


def _field(codec: Any, **default: Any) -> Any:
    return field(metadata={"codec": codec}, **default)


def _id(bits: int = 63) -> Any:
    return _field(_Uint(bits))


def _uint(bits: int, **default: Any) -> Any:
    return _field(_Uint(bits), **default)


def _amount(bits: int = 256, **default: Any) -> Any:
    return _field(_Uint(bits, text=True), **default)


def _wallet() -> Any:
    return _field(_Scalar(str, eip55=True))


def _bool(**default: Any) -> Any:
    return _field(_Scalar(bool), **default)


def _signature() -> Any:
    return _field(_Scalar(str, pattern=_SIGNATURE))


def _text(*, max_bytes: int = 0, pattern: re.Pattern | None = None) -> Any:
    return _field(_Scalar(str, nonempty=True, max_bytes=max_bytes, pattern=pattern))


# ---------------------------------------------------------------- the one JSON pair

class _Json:
    """to_json / from_json for a frozen dataclass whose fields carry a codec; the value is
    checked when the object is built (so from_json checks the same things)."""

    kind: ClassVar[str] = "payload"

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            try:
                f.metadata["codec"].check(getattr(self, f.name))
            except _Invalid as exc:
                raise OutboxPayloadError(self.kind, f.name, str(exc)) from None
            except OutboxPayloadError as exc:
                raise OutboxPayloadError(self.kind, f"{f.name}.{exc.field}", exc.problem) from None
        self._check_together()

    def _check_together(self) -> None:
        """Rules across fields (after each field passed its own); raise OutboxPayloadError."""

    def to_json(self) -> dict:
        """The row's JSON (plain dict/list/str/int/bool, as JSONB gives it back)."""
        return {f.name: f.metadata["codec"].dump(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Parse a row's JSON; raises OutboxPayloadError for a missing, unknown or bad field."""
        if not isinstance(data, dict):
            raise OutboxPayloadError(cls.kind, "", f"payload must be a JSON object, not {data!r}")
        fields = dataclasses.fields(cls)
        unknown = set(data) - {f.name for f in fields}
        if unknown:
            raise OutboxPayloadError(cls.kind, sorted(unknown)[0], "is not a field of this kind")
        values = {}
        for f in fields:
            if f.name not in data:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    raise OutboxPayloadError(cls.kind, f.name, "is missing")
                continue
            try:
                values[f.name] = f.metadata["codec"].load(data[f.name])
            except _Invalid as exc:
                raise OutboxPayloadError(cls.kind, f.name, str(exc)) from None
            except OutboxPayloadError as exc:
                raise OutboxPayloadError(cls.kind, f"{f.name}.{exc.field}", exc.problem) from None
        return cls(**values)


@dataclass(frozen=True)
class TokenRules(_Json):
    """A token's transfer rules (token.deploy, token.set_rules); each defaults to no rule."""

    kind: ClassVar[str] = "rules"
    countries: tuple[int, ...] = _field(_Countries(), default=())   # an allowlist; empty: any country
    accredited_only: bool = _bool(default=False)
    qualified_only: bool = _bool(default=False)
    lockup_until: int = _uint(40, default=0)       # unix seconds; 0: none
    max_holders: int = _uint(32, default=0)        # 0: no cap
    max_investor_balance: int = _amount(128, default=0)   # base units; 0: no cap


# ---------------------------------------------------------------- registry kinds

@dataclass(frozen=True)
class RegisterWallet(_Json):
    kind: ClassVar[OutboxKind] = OutboxKind.REGISTER_WALLET
    investor_id: int = _id(64)
    wallet: str = _wallet()
    country: int = _uint(16)        # 0: none
    kyc_expiry: int = _uint(40)     # last second of the expiry day; 0: not verified
    accredited: bool = _bool()
    qualified: bool = _bool()


@dataclass(frozen=True)
class UpdateInvestor(_Json):
    kind: ClassVar[OutboxKind] = OutboxKind.UPDATE_INVESTOR
    investor_id: int = _id(64)
    country: int = _uint(16)
    kyc_expiry: int = _uint(40)
    accredited: bool = _bool()
    qualified: bool = _bool()


@dataclass(frozen=True)
class RevokeWallet(_Json):
    kind: ClassVar[OutboxKind] = OutboxKind.REVOKE_WALLET
    investor_id: int = _id(64)
    wallet: str = _wallet()


# ---------------------------------------------------------------- token kinds

@dataclass(frozen=True)
class _TokenAction(_Json):
    """An action on one security's token (its SecurityToken contract)."""

    security_id: int = _id()


@dataclass(frozen=True)
class TokenDeploy(_TokenAction):
    kind: ClassVar[OutboxKind] = OutboxKind.TOKEN_DEPLOY
    name: str = _text()
    symbol: str = _text()
    decimals: int = _uint(8)
    rules: TokenRules = _field(_Nested(TokenRules), default=TokenRules())


@dataclass(frozen=True)
class _WalletAmount(_TokenAction):
    wallet: str = _wallet()
    amount: int = _amount()


@dataclass(frozen=True)
class TokenMint(_WalletAmount):
    kind: ClassVar[OutboxKind] = OutboxKind.TOKEN_MINT


@dataclass(frozen=True)
class TokenBurn(_WalletAmount):
    kind: ClassVar[OutboxKind] = OutboxKind.TOKEN_BURN


@dataclass(frozen=True)
class TokenFreezeTokens(_WalletAmount):
    kind: ClassVar[OutboxKind] = OutboxKind.TOKEN_FREEZE_TOKENS


@dataclass(frozen=True)
class TokenUnfreezeTokens(_WalletAmount):
    kind: ClassVar[OutboxKind] = OutboxKind.TOKEN_UNFREEZE_TOKENS


@dataclass(frozen=True)
class _Move(_TokenAction):
    from_wallet: str = _wallet()
    to_wallet: str = _wallet()
    amount: int = _amount()


@dataclass(frozen=True)
class TokenTransfer(_Move):
    kind: ClassVar[OutboxKind] = OutboxKind.TOKEN_TRANSFER


@dataclass(frozen=True)
class TokenForcedTransfer(_Move):
    kind: ClassVar[OutboxKind] = OutboxKind.TOKEN_FORCED_TRANSFER


@dataclass(frozen=True)
class TokenFreezeWallet(_TokenAction):
    kind: ClassVar[OutboxKind] = OutboxKind.TOKEN_FREEZE_WALLET
    wallet: str = _wallet()
    frozen: bool = _bool()


@dataclass(frozen=True)
class TokenRecoverWallet(_TokenAction):
    kind: ClassVar[OutboxKind] = OutboxKind.TOKEN_RECOVER_WALLET
    lost_wallet: str = _wallet()
    new_wallet: str = _wallet()


@dataclass(frozen=True)
class TokenPause(_TokenAction):
    kind: ClassVar[OutboxKind] = OutboxKind.TOKEN_PAUSE


@dataclass(frozen=True)
class TokenUnpause(_TokenAction):
    kind: ClassVar[OutboxKind] = OutboxKind.TOKEN_UNPAUSE


@dataclass(frozen=True)
class TokenSetDocument(_TokenAction):
    kind: ClassVar[OutboxKind] = OutboxKind.TOKEN_SET_DOCUMENT
    name: str = _text(max_bytes=32)      # a bytes32 on chain
    uri: str = _text()
    sha256: str = _text(pattern=_HEX32)  # 64 hex digits, "0x" optional


@dataclass(frozen=True)
class TokenSetRules(_TokenAction):
    kind: ClassVar[OutboxKind] = OutboxKind.TOKEN_SET_RULES
    rules: TokenRules = _field(_Nested(TokenRules))


# ---------------------------------------------------------------- settlement kinds (delivery versus payment)

@dataclass(frozen=True)
class _Settlement(_Json):
    """One delivery of the Settlement contract: ``units`` of the security (moved from the
    seller, or minted for a primary) against ``price`` base units of the cash token, moved
    from the buyer to the seller; ``nonce`` is the register's Settlement id (the contract's
    replay guard), ``deadline`` the last unix second it may settle (block time)."""

    settlement_id: int = _id()
    security_id: int = _id()
    cash_id: int = _id()
    seller_wallet: str = _wallet()
    buyer_wallet: str = _wallet()
    units: int = _amount()
    price: int = _amount()
    nonce: int = _amount()
    deadline: int = _uint(40)
    buyer_signature: str = _signature()

    def _check_together(self) -> None:
        if self.seller_wallet == self.buyer_wallet:
            raise OutboxPayloadError(self.kind, "buyer_wallet", "must differ from the seller's wallet")
        if self.security_id == self.cash_id:
            raise OutboxPayloadError(self.kind, "cash_id", "must differ from the security")


@dataclass(frozen=True)
class SettlementDvp(_Settlement):
    """A secondary trade: both parties signed the same delivery."""

    kind: ClassVar[OutboxKind] = OutboxKind.SETTLEMENT_DVP
    seller_signature: str = _signature()


@dataclass(frozen=True)
class SettlementPrimary(_Settlement):
    """A subscription paid by DvP: the units are minted; the seller is the issuer's treasury
    wallet, which receives the price; only the buyer signs."""

    kind: ClassVar[OutboxKind] = OutboxKind.SETTLEMENT_PRIMARY


# ---------------------------------------------------------------- paying agent kinds (servicing)

@dataclass(frozen=True)
class _ManyWallets(_TokenAction):
    """One batch of a corporate action (servicing.PaymentBatch ``batch_id``): one amount per
    wallet, the wallets distinct, every amount above zero."""

    batch_id: int = _id()
    wallets: tuple[str, ...] = _field(_List(_Scalar(str, eip55=True)))
    amounts: tuple[int, ...] = _field(_List(_Uint(256, text=True)))

    def _check_together(self) -> None:
        if len(self.wallets) != len(self.amounts):
            raise OutboxPayloadError(self.kind, "amounts", "must have one amount per wallet")
        if len(set(self.wallets)) != len(self.wallets):
            raise OutboxPayloadError(self.kind, "wallets", "must be distinct")
        if any(amount == 0 for amount in self.amounts):
            raise OutboxPayloadError(self.kind, "amounts", "must all be above zero")


@dataclass(frozen=True)
class PaymentBatchPayload(_ManyWallets):
    """Cash token (``security_id``) from the issuer's paying wallet to holders of record."""

    kind: ClassVar[OutboxKind] = OutboxKind.PAYMENT_BATCH
    from_wallet: str = _wallet()

    def _check_together(self) -> None:
        super()._check_together()
        if self.from_wallet in self.wallets:
            raise OutboxPayloadError(self.kind, "wallets", "must not include the paying wallet")


@dataclass(frozen=True)
class RedemptionBurn(_ManyWallets):
    """The redeemed units of a security's holders, burned in one transaction."""

    kind: ClassVar[OutboxKind] = OutboxKind.REDEMPTION_BURN


#: Any kind's payload (a union: isinstance works with it).
OutboxPayload = (RegisterWallet | UpdateInvestor | RevokeWallet | TokenDeploy | TokenMint | TokenBurn
                 | TokenTransfer | TokenForcedTransfer | TokenFreezeWallet | TokenFreezeTokens
                 | TokenUnfreezeTokens | TokenRecoverWallet | TokenPause | TokenUnpause | TokenSetDocument
                 | TokenSetRules | SettlementDvp | SettlementPrimary | PaymentBatchPayload | RedemptionBurn)

#: Each kind's payload type (a test checks that every OutboxKind has one).
PAYLOAD_TYPES: dict[OutboxKind, type[OutboxPayload]] = {
    cls.kind: cls for cls in (
        RegisterWallet, UpdateInvestor, RevokeWallet, TokenDeploy, TokenMint, TokenBurn, TokenTransfer,
        TokenForcedTransfer, TokenFreezeWallet, TokenFreezeTokens, TokenUnfreezeTokens, TokenRecoverWallet,
        TokenPause, TokenUnpause, TokenSetDocument, TokenSetRules, SettlementDvp, SettlementPrimary,
        PaymentBatchPayload, RedemptionBurn)
}


def payload_from_json(kind: str, data: Any) -> OutboxPayload:
    """The payload of an outbox row (its kind and JSON); OutboxPayloadError when the kind is
    unknown or the JSON does not meet the kind's contract."""
    if kind not in PAYLOAD_TYPES:
        raise OutboxPayloadError(kind, "", "is not an outbox kind")
    return PAYLOAD_TYPES[OutboxKind(kind)].from_json(data)
