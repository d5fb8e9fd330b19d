"""Outbox kinds -> contract calls (the table in core/outbox.py, the signatures in
contracts/README.md).

An action is a list of steps, each one contract call. Most kinds are one step;
``token.deploy`` is the deployment, then ``setRules`` when a rule is set, then
``setCountriesAllowed`` when there is a country allowlist; ``token.set_rules`` is
``setRules``, then allow the listed countries, then disallow every other ISO 3166-1 numeric
code (the register holds the whole list; the chain must not keep a removed country).

Refs: step 0 uses ``keccak(idempotency_key)``; step n > 0 ``keccak(f"{key}#{n}")`` (refs
are per contract, and two steps may hit the same one). A replayed step is refused on chain
with ``RefAlreadyUsed``. Deployment has no ref; it is guarded by the stored signed tx.

Addresses come from :class:`DeployedContract` rows: a call whose contract is not deployed
yet raises :class:`TargetNotDeployed` (the relay makes the action wait, it does not fail).
A payload the call cannot be built from raises :class:`BadPayload` (permanent).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from eth_utils import keccak
from web3 import Web3

from .models import DeployedContract, token_contract_name
from .port import ContractCall

REGISTRY = "InvestorRegistry"
TOKEN = "SecurityToken"
ISO_NUMERIC_CODES = range(1, 1000)

RULE_COUNTRY_ALLOWLIST, RULE_ACCREDITED_ONLY, RULE_QUALIFIED_ONLY = 1, 2, 4


class TargetNotDeployed(Exception):
    """The call's contract has no DeployedContract row on this chain yet."""


class BadPayload(Exception):
    """The outbox payload cannot be turned into a call; retrying will not help."""


def ref_for(idempotency_key: str, step: int) -> bytes:
    return keccak(text=idempotency_key if step == 0 else f"{idempotency_key}#{step}")


# ---------------------------------------------------------------- payload parsing

def _get(payload: dict, key: str):
    if key not in payload or payload[key] is None:
        raise BadPayload(f"payload has no {key!r}")
    return payload[key]


@lru_cache(maxsize=65536)
def _checksum(value: str) -> str:
    """EIP-55 spelling (a keccak each time: the relay meets the same wallets over and over)."""
    return Web3.to_checksum_address(value)


def _address(payload: dict, key: str) -> str:
    value = _get(payload, key)
    try:
        return _checksum(value)
    except (ValueError, TypeError) as exc:
        raise BadPayload(f"{key!r} is not an address: {value!r}") from exc


def _uint(payload: dict, key: str, bits: int = 256) -> int:
    value = _get(payload, key)
    try:
        number = int(str(value))
    except ValueError as exc:
        raise BadPayload(f"{key!r} is not an integer: {value!r}") from exc
    if not 0 <= number < 2**bits:
        raise BadPayload(f"{key!r} is out of range for uint{bits}: {number}")
    return number


def _flags(payload: dict) -> int:
    return (1 if payload.get("accredited") else 0) | (2 if payload.get("qualified") else 0)


def _countries(rules: dict) -> list[int]:
    try:
        countries = sorted({int(c) for c in rules.get("countries") or []})
    except (TypeError, ValueError) as exc:
        raise BadPayload(f"countries must be ISO 3166-1 numeric codes: {rules.get('countries')!r}") from exc
    if any(c not in ISO_NUMERIC_CODES for c in countries):
        raise BadPayload(f"countries must be ISO 3166-1 numeric codes: {countries!r}")
    return countries


def _rule_args(rules: dict) -> tuple:
    flags = ((RULE_COUNTRY_ALLOWLIST if rules.get("countries") else 0)
             | (RULE_ACCREDITED_ONLY if rules.get("accredited_only") else 0)
             | (RULE_QUALIFIED_ONLY if rules.get("qualified_only") else 0))
    return (flags, _uint(rules, "lockup_until", 40) if rules.get("lockup_until") else 0,
            _uint(rules, "max_holders", 32) if rules.get("max_holders") else 0,
            _uint(rules, "max_investor_balance", 128) if rules.get("max_investor_balance") else 0)


def _bytes32(value: str, what: str) -> bytes:
    raw = value.encode()
    if not raw or len(raw) > 32:
        raise BadPayload(f"{what} must be 1 to 32 bytes: {value!r}")
    return raw.ljust(32, b"\0")


def _sha256(value: str) -> bytes:
    text = value[2:] if value.startswith("0x") else value
    try:
        raw = bytes.fromhex(text)
    except ValueError as exc:
        raise BadPayload(f"sha256 is not hex: {value!r}") from exc
    if len(raw) != 32:
        raise BadPayload(f"sha256 must be 32 bytes: {value!r}")
    return raw


# ---------------------------------------------------------------- the plan

@dataclass(frozen=True)
class Step:
    """One call of an action: ``target`` is "registry", "token" or "deploy"; ``args``
    (without the ref) are built from the payload and the resolved addresses."""

    artifact: str
    function: str
    target: str
    args: Callable[[dict, dict], tuple]   # (payload, addresses) -> args


def _registry(function: str, args: Callable[[dict], tuple]) -> list[Step]:
    return [Step(REGISTRY, function, "registry", lambda p, _a: args(p))]


def _token(function: str, args: Callable[[dict], tuple]) -> list[Step]:
    return [Step(TOKEN, function, "token", lambda p, _a: args(p))]


def _deploy_steps(payload: dict) -> list[Step]:
    rules = payload.get("rules") or {}
    steps = [Step(TOKEN, "constructor", "deploy", lambda p, a: (
        str(_get(p, "name")), str(_get(p, "symbol")), _uint(p, "decimals", 8),
        a["registry"], a["admin"], a["agent"]))]
    if any(_rule_args(rules)):
        steps.append(Step(TOKEN, "setRules", "token", lambda p, _a: _rule_args(p.get("rules") or {})))
    if _countries(rules):
        steps.append(Step(TOKEN, "setCountriesAllowed", "token",
                          lambda p, _a: (_countries(p.get("rules") or {}), True)))
    return steps


def _set_rules_steps(payload: dict) -> list[Step]:
    rules = _get(payload, "rules")
    steps = [Step(TOKEN, "setRules", "token", lambda p, _a: _rule_args(p["rules"]))]
    if _countries(rules):
        steps.append(Step(TOKEN, "setCountriesAllowed", "token", lambda p, _a: (_countries(p["rules"]), True)))
    steps.append(Step(TOKEN, "setCountriesAllowed", "token", lambda p, _a: (
        [c for c in ISO_NUMERIC_CODES if c not in set(_countries(p["rules"]))], False)))
    return steps


_PLANS: dict[str, Callable[[dict], list[Step]]] = {
    "registry.register_wallet": lambda _p: _registry("registerWallet", lambda p: (
        _address(p, "wallet"), _uint(p, "investor_id", 64), _uint(p, "country", 16),
        _uint(p, "kyc_expiry", 40), _flags(p))),
    "registry.update_investor": lambda _p: _registry("updateInvestor", lambda p: (
        _uint(p, "investor_id", 64), _uint(p, "country", 16), _uint(p, "kyc_expiry", 40), _flags(p))),
    "registry.revoke_wallet": lambda _p: _registry("revokeWallet", lambda p: (_address(p, "wallet"),)),
    "token.deploy": _deploy_steps,
    "token.mint": lambda _p: _token("mint", lambda p: (_address(p, "wallet"), _uint(p, "amount"))),
    "token.burn": lambda _p: _token("burn", lambda p: (_address(p, "wallet"), _uint(p, "amount"))),
    "token.transfer": lambda _p: _token("forcedTransfer", lambda p: (
        _address(p, "from_wallet"), _address(p, "to_wallet"), _uint(p, "amount"))),
    "token.forced_transfer": lambda _p: _token("forcedTransfer", lambda p: (
        _address(p, "from_wallet"), _address(p, "to_wallet"), _uint(p, "amount"))),
    "token.freeze_wallet": lambda _p: _token("setWalletFrozen", lambda p: (
        _address(p, "wallet"), bool(_get(p, "frozen")))),
    "token.freeze_tokens": lambda _p: _token("freezeTokens", lambda p: (_address(p, "wallet"), _uint(p, "amount"))),
    "token.unfreeze_tokens": lambda _p: _token("unfreezeTokens", lambda p: (_address(p, "wallet"), _uint(p, "amount"))),
    "token.recover_wallet": lambda _p: _token("recoverWallet", lambda p: (
        _address(p, "lost_wallet"), _address(p, "new_wallet"))),
    "token.pause": lambda _p: _token("pause", lambda p: ()),
    "token.unpause": lambda _p: _token("unpause", lambda p: ()),
    "token.set_document": lambda _p: _token("setDocument", lambda p: (
        _bytes32(str(_get(p, "name")), "document name"), str(_get(p, "uri")), _sha256(str(_get(p, "sha256"))))),
    "token.set_rules": _set_rules_steps,
}


#: The kinds whose actions can take more than one step; every other kind is one call.
MULTI_STEP_KINDS = frozenset({"token.deploy", "token.set_rules"})


def plan(kind: str, payload: dict) -> list[Step]:
    """The steps of an action (raises BadPayload for an unknown kind or a bad payload)."""
    if kind not in _PLANS:
        raise BadPayload(f"unknown outbox kind {kind!r}")
    return _PLANS[kind](payload)


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


def build_call(*, kind: str, payload: dict, idempotency_key: str, step: int, chain_id: int,
               signer: str, token_admin: str = "", addresses: AddressBook | None = None) -> ContractCall:
    """The contract call for ``step`` of an action, with addresses resolved from the DB
    (through ``addresses`` when given)."""
    address_of = addresses or AddressBook(chain_id)
    steps = plan(kind, payload)
    if not 0 <= step < len(steps):
        raise BadPayload(f"{kind} has {len(steps)} steps, not {step + 1}")
    spec = steps[step]
    if spec.target != "deploy":
        spec.args(payload, {})  # a bad payload fails now, even before its contract exists
    targets: dict[str, str] = {}
    if spec.target in ("registry", "deploy"):
        targets["registry"] = address_of(REGISTRY)
    if spec.target == "token":
        targets["token"] = address_of(token_contract_name(_uint(payload, "security_id", 63)))
    if spec.target == "deploy":
        _uint(payload, "security_id", 63)
        targets["admin"] = Web3.to_checksum_address(token_admin) if token_admin else signer
        targets["agent"] = signer
        return ContractCall(spec.artifact, spec.function, spec.args(payload, targets))
    args = (ref_for(idempotency_key, step), *spec.args(payload, targets))
    return ContractCall(spec.artifact, spec.function, args, targets[spec.target])


def step_count(kind: str, payload: dict) -> int:
    return len(plan(kind, payload))


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
    securities = {_uint(e.payload, "security_id", 63) for e in entries}
    if len(securities) != 1 or any(e.kind != "token.mint" for e in entries):
        raise BadPayload("a batch holds token.mint actions of one security only")
    wallets = [_address(e.payload, "wallet") for e in entries]
    amounts = [_uint(e.payload, "amount") for e in entries]
    token = (addresses or AddressBook(chain_id))(token_contract_name(securities.pop()))
    return ContractCall(TOKEN, "batchMint", (batch_ref([e.idempotency_key for e in entries]), wallets, amounts),
                        token)
