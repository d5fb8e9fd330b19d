"""Outbox payloads -> contract calls (the kinds and payload types in core/outbox_payloads.py,
the signatures in platform/README.md).

A row's JSON is parsed here and only here (:func:`parse`, :func:`payload_of`): the rest of
chain/ works with the payload dataclasses, whose ids are ints and wallets EIP-55. Each kind
has one function below, from its payload type to the steps of its action (``_PLANS``).

An action is a list of steps, each one contract call. Most kinds are one step;
``token.deploy`` is the deployment, then ``setRules`` when a rule is set, then
``setCountriesAllowed`` when there is a country allowlist; ``token.set_rules`` is
``setRules``, then allow the listed countries, then disallow every other ISO 3166-1 numeric
code (the register holds the whole list; the chain must not keep a removed country).

Refs: step 0 uses ``keccak(idempotency_key)``; step n > 0 ``keccak(f"{key}#{n}")`` (refs
are per contract, and two steps may hit the same one). A replayed step is refused on chain
with ``RefAlreadyUsed``. Deployment has no ref; it is guarded by the stored signed tx.

Settlements (``settlement.dvp``, ``settlement.primary``) call the ``Settlement`` contract
with the signed delivery and the signatures, and no ref: the delivery's nonce (the
register's settlement id) is the contract's replay guard (``AuthorizationUsed``). The
delivery names both tokens by address, read from their ``SecurityToken:<id>`` rows. They
are never batched (chain/batches.py batches mints only).

The paying agent's kinds (servicing): ``payment.batch`` is ``batchPay(ref, from, to[],
amounts[])`` on the cash token (the issuer's paying wallet to many holders, one transaction),
``redemption.burn`` is ``batchBurn(ref, from[], amounts[])`` on the security token; the ref is
``keccak(idempotency_key)`` (``payment:<action id>:<batch number>``), so a batch is paid once
whatever the relay replays. Like settlements, their outcome goes to the register of record
(servicing's ``batch_decided``, chain/outcomes.py) and they are never merged into a batch.

Addresses come from :class:`DeployedContract` rows: a call whose contract is not deployed
yet raises :class:`TargetNotDeployed` (the relay makes the action wait, it does not fail).
A payload the call cannot be built from raises :class:`BadPayload` (permanent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from eth_utils import keccak
from web3 import Web3

from core.outbox_payloads import (
    OutboxKind,
    OutboxPayload,
    OutboxPayloadError,
    PaymentBatchPayload,
    RedemptionBurn,
    RegisterWallet,
    RevokeWallet,
    SettlementDvp,
    SettlementPrimary,
    TokenBurn,
    TokenDeploy,
    TokenForcedTransfer,
    TokenFreezeTokens,
    TokenFreezeWallet,
    TokenMint,
    TokenPause,
    TokenRecoverWallet,
    TokenRules,
    TokenSetDocument,
    TokenSetRules,
    TokenTransfer,
    TokenUnfreezeTokens,
    TokenUnpause,
    UpdateInvestor,
    payload_from_json,
)

from .models import DeployedContract, token_contract_name
from .port import ContractCall

REGISTRY = "InvestorRegistry"
TOKEN = "SecurityToken"
SETTLEMENT = "Settlement"
ISO_NUMERIC_CODES = range(1, 1000)

RULE_COUNTRY_ALLOWLIST, RULE_ACCREDITED_ONLY, RULE_QUALIFIED_ONLY = 1, 2, 4


class TargetNotDeployed(Exception):
    """The call's contract has no DeployedContract row on this chain yet."""


class BadPayload(Exception):
    """The outbox payload cannot be turned into a call; retrying will not help."""


def ref_for(idempotency_key: str, step: int) -> bytes:
    return keccak(text=idempotency_key if step == 0 else f"{idempotency_key}#{step}")


# ---------------------------------------------------------------- payload parsing

def parse(kind: str, payload: Any) -> OutboxPayload:
    """The payload of an outbox row from its kind and JSON (the one place chain/ reads a
    row's JSON); BadPayload when it does not meet its kind's contract (core/outbox_payloads.py)."""
    try:
        return payload_from_json(kind, payload)
    except OutboxPayloadError as exc:
        raise BadPayload(str(exc)) from exc


def payload_of(entry: Any) -> OutboxPayload:
    """The parsed payload of an outbox row (anything with ``kind`` and ``payload``)."""
    return parse(entry.kind, entry.payload)


def security_of(kind: str, payload: Any) -> int | None:
    """The security a row's token action is about: None for a registry action, or for a row
    that does not parse (it fails on its own when it is sent)."""
    try:
        return getattr(parse(kind, payload), "security_id", None)
    except BadPayload:
        return None


def securities_of(kind: str, payload: Any) -> frozenset[int]:
    """Every security whose token a row's action touches: its security, and a settlement's
    cash token too; empty for a registry action or a row that does not parse."""
    try:
        parsed = parse(kind, payload)
    except BadPayload:
        return frozenset()
    return frozenset(i for i in (getattr(parsed, "security_id", None), getattr(parsed, "cash_id", None))
                     if i is not None)


def actions_touching(security_ids: Iterable[int]) -> Q:
    """OutboxEntry rows whose action touches one of these securities' tokens (a token action
    on it, or a settlement with it as the security or the cash leg); ids are ints in every
    payload."""
    ids = sorted(set(security_ids))
    return (Q(kind__startswith="token.", payload__security_id__in=ids)
            | Q(kind__in=sorted(SERVICING_KINDS), payload__security_id__in=ids)
            | Q(kind__startswith="settlement.", payload__security_id__in=ids)
            | Q(kind__startswith="settlement.", payload__cash_id__in=ids))


def _flags(p: RegisterWallet | UpdateInvestor) -> int:
    return (1 if p.accredited else 0) | (2 if p.qualified else 0)


def _countries(rules: TokenRules) -> list[int]:
    return sorted(set(rules.countries))


def _rule_args(rules: TokenRules) -> tuple:
    flags = ((RULE_COUNTRY_ALLOWLIST if rules.countries else 0)
             | (RULE_ACCREDITED_ONLY if rules.accredited_only else 0)
             | (RULE_QUALIFIED_ONLY if rules.qualified_only else 0))
    return (flags, rules.lockup_until, rules.max_holders, rules.max_investor_balance)


def _bytes32(value: str) -> bytes:
    return value.encode().ljust(32, b"\0")   # 1 to 32 bytes: checked by the payload type


def _sha256(value: str) -> bytes:
    return bytes.fromhex(value.removeprefix("0x"))   # 64 hex digits: checked by the payload type


# ---------------------------------------------------------------- the plan: one function per kind

@dataclass(frozen=True)
class TokenOf:
    """In a step's arguments: the token address of a security, resolved when the call is
    built (a settlement's delivery names both tokens)."""

    security_id: int


@dataclass(frozen=True)
class Step:
    """One call of an action: ``target`` is "registry", "token", "settlement" or "deploy";
    ``args`` are the call's arguments without the ref (a deployment adds registry, admin and
    agent; a settlement has no ref)."""

    artifact: str
    function: str
    target: str
    args: tuple


def _registry(function: str, *args: Any) -> list[Step]:
    return [Step(REGISTRY, function, "registry", args)]


def _token(function: str, *args: Any) -> list[Step]:
    return [Step(TOKEN, function, "token", args)]


def _register_wallet(p: RegisterWallet) -> list[Step]:
    return _registry("registerWallet", p.wallet, p.investor_id, p.country, p.kyc_expiry, _flags(p))


def _update_investor(p: UpdateInvestor) -> list[Step]:
    return _registry("updateInvestor", p.investor_id, p.country, p.kyc_expiry, _flags(p))


def _revoke_wallet(p: RevokeWallet) -> list[Step]:
    return _registry("revokeWallet", p.wallet)


def _deploy(p: TokenDeploy) -> list[Step]:
    steps = [Step(TOKEN, "constructor", "deploy", (p.name, p.symbol, p.decimals))]
    if any(_rule_args(p.rules)):
        steps += _token("setRules", *_rule_args(p.rules))
    if p.rules.countries:
        steps += _token("setCountriesAllowed", _countries(p.rules), True)
    return steps


def _mint(p: TokenMint) -> list[Step]:
    return _token("mint", p.wallet, p.amount)


def _burn(p: TokenBurn) -> list[Step]:
    return _token("burn", p.wallet, p.amount)


def _transfer(p: TokenTransfer) -> list[Step]:
    return _token("forcedTransfer", p.from_wallet, p.to_wallet, p.amount)


def _forced_transfer(p: TokenForcedTransfer) -> list[Step]:
    return _token("forcedTransfer", p.from_wallet, p.to_wallet, p.amount)


def _freeze_wallet(p: TokenFreezeWallet) -> list[Step]:
    return _token("setWalletFrozen", p.wallet, p.frozen)


def _freeze_tokens(p: TokenFreezeTokens) -> list[Step]:
    return _token("freezeTokens", p.wallet, p.amount)


def _unfreeze_tokens(p: TokenUnfreezeTokens) -> list[Step]:
    return _token("unfreezeTokens", p.wallet, p.amount)


def _recover_wallet(p: TokenRecoverWallet) -> list[Step]:
    return _token("recoverWallet", p.lost_wallet, p.new_wallet)


def _pause(_p: TokenPause) -> list[Step]:
    return _token("pause")


def _unpause(_p: TokenUnpause) -> list[Step]:
    return _token("unpause")


def _set_document(p: TokenSetDocument) -> list[Step]:
    return _token("setDocument", _bytes32(p.name), p.uri, _sha256(p.sha256))


def _set_rules(p: TokenSetRules) -> list[Step]:
    allowed = _countries(p.rules)
    steps = _token("setRules", *_rule_args(p.rules))
    if allowed:
        steps += _token("setCountriesAllowed", allowed, True)
    steps += _token("setCountriesAllowed", [c for c in ISO_NUMERIC_CODES if c not in set(allowed)], False)
    return steps


def _delivery(p: SettlementDvp | SettlementPrimary) -> tuple:
    """The contract's ``Delivery`` struct, in its field order (both parties signed exactly it)."""
    return (TokenOf(p.security_id), p.units, p.seller_wallet, p.buyer_wallet, TokenOf(p.cash_id), p.price,
            p.nonce, p.deadline)


def _signature(value: str) -> bytes:
    return bytes.fromhex(value[2:])   # 0x + 130 hex digits: checked by the payload type


def _settle(p: SettlementDvp) -> list[Step]:
    return [Step(SETTLEMENT, "settle", "settlement",
                 (_delivery(p), _signature(p.seller_signature), _signature(p.buyer_signature)))]


def _settle_primary(p: SettlementPrimary) -> list[Step]:
    return [Step(SETTLEMENT, "settlePrimary", "settlement", (_delivery(p), _signature(p.buyer_signature)))]


def _batch_pay(p: PaymentBatchPayload) -> list[Step]:
    return _token("batchPay", p.from_wallet, list(p.wallets), list(p.amounts))


def _redemption_burn(p: RedemptionBurn) -> list[Step]:
    return _token("batchBurn", list(p.wallets), list(p.amounts))


#: Each kind's plan (a test checks that every OutboxKind has one).
_PLANS: dict[OutboxKind, Callable[[Any], list[Step]]] = {
    OutboxKind.REGISTER_WALLET: _register_wallet,
    OutboxKind.UPDATE_INVESTOR: _update_investor,
    OutboxKind.REVOKE_WALLET: _revoke_wallet,
    OutboxKind.TOKEN_DEPLOY: _deploy,
    OutboxKind.TOKEN_MINT: _mint,
    OutboxKind.TOKEN_BURN: _burn,
    OutboxKind.TOKEN_TRANSFER: _transfer,
    OutboxKind.TOKEN_FORCED_TRANSFER: _forced_transfer,
    OutboxKind.TOKEN_FREEZE_WALLET: _freeze_wallet,
    OutboxKind.TOKEN_FREEZE_TOKENS: _freeze_tokens,
    OutboxKind.TOKEN_UNFREEZE_TOKENS: _unfreeze_tokens,
    OutboxKind.TOKEN_RECOVER_WALLET: _recover_wallet,
    OutboxKind.TOKEN_PAUSE: _pause,
    OutboxKind.TOKEN_UNPAUSE: _unpause,
    OutboxKind.TOKEN_SET_DOCUMENT: _set_document,
    OutboxKind.TOKEN_SET_RULES: _set_rules,
    OutboxKind.SETTLEMENT_DVP: _settle,
    OutboxKind.SETTLEMENT_PRIMARY: _settle_primary,
    OutboxKind.PAYMENT_BATCH: _batch_pay,
    OutboxKind.REDEMPTION_BURN: _redemption_burn,
}

#: The kinds whose outcome the register waits for (ledger.services.settlement_outcome), and
#: the Settlement contract functions their transactions call.
SETTLEMENT_KINDS = frozenset({OutboxKind.SETTLEMENT_DVP, OutboxKind.SETTLEMENT_PRIMARY})
SETTLEMENT_FUNCTIONS = frozenset({"settle", "settlePrimary"})

#: The paying agent's kinds: their outcome goes to servicing (``batch_decided``), and the
#: token functions their transactions call.
SERVICING_KINDS = frozenset({OutboxKind.PAYMENT_BATCH, OutboxKind.REDEMPTION_BURN})
SERVICING_FUNCTIONS = frozenset({"batchPay", "batchBurn"})

#: Kinds whose outcome another app decides on (each decided in a transaction of its own),
#: and their functions.
DECIDED_KINDS = SETTLEMENT_KINDS | SERVICING_KINDS
DECIDED_FUNCTIONS = SETTLEMENT_FUNCTIONS | SERVICING_FUNCTIONS


#: The kinds whose actions can take more than one step; every other kind is one call.
MULTI_STEP_KINDS = frozenset({OutboxKind.TOKEN_DEPLOY, OutboxKind.TOKEN_SET_RULES})


def plan(payload: OutboxPayload) -> list[Step]:
    """The steps of an action."""
    return _PLANS[payload.kind](payload)


def _address_of(name: str, chain_id: int) -> str:
    row = DeployedContract.objects.filter(name=name, chain_id=chain_id).values_list("address", flat=True).first()
    if row is None:
        raise TargetNotDeployed(f"{name} is not deployed on chain {chain_id} yet")
    return row


class AddressBook:
    """The DeployedContract addresses of one chain, each read once (a relay sweep builds
    many calls to the same few contracts). A contract not deployed yet is not remembered:
    asking again reads again."""

    def __init__(self, chain_id: int) -> None:
        self.chain_id = chain_id
        self._known: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        if name not in self._known:
            self._known[name] = _address_of(name, self.chain_id)
        return self._known[name]


def build_call(*, payload: OutboxPayload, idempotency_key: str, step: int, chain_id: int,
               signer: str, token_admin: str = "", addresses: AddressBook | None = None) -> ContractCall:
    """The contract call for ``step`` of an action (its parsed payload), with addresses
    resolved from the DB (through ``addresses`` when given)."""
    steps = plan(payload)
    if not 0 <= step < len(steps):
        raise BadPayload(f"{payload.kind} has {len(steps)} steps, not {step + 1}")
    spec = steps[step]
    address_of = addresses or AddressBook(chain_id)
    if spec.target == "deploy":
        admin = Web3.to_checksum_address(token_admin) if token_admin else signer
        return ContractCall(spec.artifact, spec.function,
                            (*spec.args, address_of(REGISTRY), admin, signer, address_of(SETTLEMENT)))
    if spec.target == "settlement":
        args = tuple(_resolved(arg, address_of) for arg in spec.args)
        return ContractCall(spec.artifact, spec.function, args, address_of(SETTLEMENT))
    target = address_of(REGISTRY if spec.target == "registry" else token_contract_name(payload.security_id))
    return ContractCall(spec.artifact, spec.function, (ref_for(idempotency_key, step), *spec.args), target)


def _resolved(arg: Any, address_of: Callable[[str], str]) -> Any:
    """A step argument with its TokenOf placeholders (inside a struct too) made addresses."""
    if isinstance(arg, TokenOf):
        return address_of(token_contract_name(arg.security_id))
    if isinstance(arg, tuple):
        return tuple(_resolved(item, address_of) for item in arg)
    return arg


def step_count(payload: OutboxPayload) -> int:
    return len(plan(payload))


# ---------------------------------------------------------------- batches

def batch_ref(idempotency_keys: list[str]) -> bytes:
    """The ref of a ``batchMint``: keccak over the sorted keys of its entries, so re-signing
    the same set after a crash gives the same ref (the contract refuses it a second time)."""
    return keccak(text="batch:" + "\n".join(sorted(idempotency_keys)))


def build_batch_mint(*, entries: list, chain_id: int, addresses: AddressBook | None = None) -> ContractCall:
    """One ``batchMint(ref, to[], amounts[])`` for ``token.mint`` entries of one security
    (objects with ``kind``, ``payload`` and ``idempotency_key``), in the given order."""
    if len(entries) < 2:
        raise BadPayload("a batch needs at least two mints")
    mints = [payload_of(e) for e in entries]
    securities = {m.security_id for m in mints}
    if len(securities) != 1 or any(not isinstance(m, TokenMint) for m in mints):
        raise BadPayload("a batch holds token.mint actions of one security only")
    token = (addresses or AddressBook(chain_id))(token_contract_name(securities.pop()))
    return ContractCall(TOKEN, "batchMint", (batch_ref([e.idempotency_key for e in entries]),
                                             [m.wallet for m in mints], [m.amount for m in mints]), token)
