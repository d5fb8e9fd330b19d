"""web3.py adapter for :class:`chain.port.ChainBackend`, signing locally with eth-account.

Everything web3 raises is turned into :class:`ChainUnavailable` (node unreachable, timeouts)
or :class:`ChainReverted` (the contract refused: the custom error is decoded from the ABI,
e.g. ``ChainReverted(code="KycExpired", message="KycExpired(wallet=0x..): the wallet's KYC
has expired")``). Only our dataclasses, ints and strings are returned.

Signing and broadcasting are separate (:meth:`build_and_sign`, :meth:`broadcast`) so the relay
can persist the signed transaction before it leaves the process. The convenience methods
(:meth:`mint`, :meth:`transfer`, ...) allocate the nonce from the node, sign, broadcast and
wait: fine for scripts, tests and ``chain_deploy``; the relay uses the two-step path.

Action references: every agent operation takes ``ref``, the platform's action id. Pass 32
bytes, a 0x-prefixed 64-hex string, or any other string (hashed with keccak256).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import requests
from eth_abi import decode as abi_decode
from eth_account import Account
from eth_utils import event_abi_to_log_topic, function_signature_to_4byte_selector, keccak
from web3 import Web3
from web3 import exceptions as w3e
from web3._utils.events import get_event_data

from compliance.rules import MESSAGES as RESTRICTION_MESSAGES

from .artifacts import DEFAULT_DIR, load_artifacts
from .port import ChainEvent, ChainReverted, ChainUnavailable, ContractCall, Deployed, Receipt, SignedTx
from .signing import Encoder, sign_eip1559
from .web3_reads import PinnedReads

#: Why each custom error happens, for messages people read.
REASONS = {
    "WalletNotRegistered": "the wallet is not registered (or revoked) in the investor registry",
    "KycExpired": "the wallet's KYC has expired",
    "WalletFrozen": "the wallet is frozen",
    "TokenPaused": "the token is paused",
    "TokenNotPaused": "the token is not paused",
    "InsufficientFreeBalance": "the amount is above the wallet's free (unfrozen) balance",
    "RefAlreadyUsed": "this action reference was already used (replayed action)",
    "EmptyRef": "the action reference is empty",
    "TransferRestricted": "the transfer breaks a token rule (ERC-1404 code)",
    "AccessControlUnauthorizedAccount": "the signer lacks the required role",
    "FrozenAmountExceeded": "the amount is above the frozen part of the balance",
    "SupplyCapExceeded": "the total supply would exceed the cap",
    "LengthMismatch": "the batch arrays differ in length",
    "InvestorMismatch": "the wallets belong to different investors",
    "NothingToRecover": "the lost wallet holds no tokens",
    "SameWallet": "sender and recipient are the same wallet",
    "InvalidRules": "the rule flags are not valid",
    "WalletBoundToOtherInvestor": "the wallet is bound to another investor",
    "UnknownInvestor": "the investor has no wallet in the registry",
    "InvalidWallet": "the wallet address is not valid",
    "InvalidInvestorId": "the investor id must not be 0",
    "InvalidFlags": "the investor flags are not valid",
    "DocumentNotFound": "no document has this name",
    "InvalidDocument": "the document name or URI is empty",
    "ERC20InsufficientBalance": "the amount is above the wallet's balance",
    "ERC20InsufficientAllowance": "the amount is above the allowance",
    "AuthorizationExpired": "the settlement authorization's deadline has passed",
    "AuthorizationUsed": "this settlement authorization was already used (replayed nonce)",
    "InvalidSignature": "the party's signature does not match the delivery (wrong key or altered terms)",
    "SecurityLegRestricted": "the security leg is refused by the token's rules (ERC-1404 code)",
    "CashLegRestricted": "the cash leg is refused by the cash token's rules (ERC-1404 code)",
    "InvalidDelivery": "the delivery is invalid (zero units or price, same seller and buyer, or same tokens)",
}

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
#: Custom errors whose first argument is an ERC-1404 restriction code (its message is appended).
_CODED_ERRORS = frozenset({"TransferRestricted", "SecurityLegRestricted", "CashLegRestricted"})

_NETWORK_ERRORS = (requests.ConnectionError, requests.Timeout, ConnectionError, TimeoutError,
                   w3e.ProviderConnectionError, w3e.TimeExhausted)


def ref_bytes(ref: bytes | str) -> bytes:
    """The 32-byte action reference for ``ref`` (see module doc)."""
    if isinstance(ref, bytes):
        if len(ref) != 32:
            raise ValueError("a bytes ref must be 32 bytes long")
        return ref
    if ref.startswith("0x") and len(ref) == 66:
        return bytes.fromhex(ref[2:])
    return keccak(text=ref)


def _plain(value: Any) -> Any:
    """web3/eth-abi values -> plain Python (bytes become 0x-hex strings)."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    return value


class Web3Backend(PinnedReads):
    """ChainBackend over JSON-RPC. ``private_key`` is the platform signer (agent role)."""

    def __init__(self, rpc_url: str, private_key: str, artifacts_dir: str | Path = DEFAULT_DIR, *,
                 timeout: float = 10.0, log_window: int = 2000):
        self.w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout},
                                         exception_retry_configuration=None))
        self.rpc_url, self.timeout = rpc_url, timeout
        self._session = requests.Session()   # JSON-RPC batches (see rpc_batch)
        self.account = Account.from_key(private_key)
        self._key = bytes(self.account.key)
        self.address: str = self.account.address
        self.artifacts = load_artifacts(str(artifacts_dir))
        self._artifacts_dir = Path(artifacts_dir)
        self._reader_code: str | None = None   # BalanceReader's runtime code (holdings_at)
        self.log_window = log_window
        self._errors: dict[bytes, dict] = {}
        self._events: dict[bytes, dict] = {}
        for art in self.artifacts.values():
            for item in art.abi:
                if item["type"] == "error":
                    sig = f"{item['name']}({','.join(i['type'] for i in item['inputs'])})"
                    self._errors[function_signature_to_4byte_selector(sig)] = item
                elif item["type"] == "event":
                    self._events[event_abi_to_log_topic(item)] = item
        self._chain_id: int | None = None
        # Contract objects are pure (ABI + address), cheap to keep and ~ms of CPU to rebuild.
        self._contracts: dict[tuple[str, str | None], Any] = {}
        self._encoders = {name: Encoder.from_abi(list(art.abi), art.bytecode) for name, art in self.artifacts.items()}

    # ------------------------------------------------------------------ plumbing

    def _rpc(self, fn, *args, **kwargs):
        """Run a web3 call, mapping its failures onto our errors."""
        try:
            return fn(*args, **kwargs)
        except _NETWORK_ERRORS as exc:
            raise ChainUnavailable(f"chain node unavailable: {type(exc).__name__}: {exc}") from exc
        except (w3e.ContractCustomError, w3e.ContractLogicError, w3e.ContractPanicError) as exc:
            raise self._reverted(getattr(exc, "data", None), str(exc)) from exc
        except w3e.Web3RPCError as exc:
            data = None
            if isinstance(exc.rpc_response, dict):
                data = (exc.rpc_response.get("error") or {}).get("data")
            if data:
                raise self._reverted(data, str(exc)) from exc
            raise ChainUnavailable(f"chain node error: {exc}") from exc

    def rpc_batch(self, requests_: list[tuple[str, list]]) -> list[tuple[Any, dict | None]]:
        """Send several JSON-RPC requests in ONE HTTP round trip (the relay estimates, sends
        and follows a whole sweep at once). Returns (result, error) per request, in order;
        a network failure raises ChainUnavailable for all of them."""
        if not requests_:
            return []
        body = [{"jsonrpc": "2.0", "id": i, "method": method, "params": params}
                for i, (method, params) in enumerate(requests_)]
        try:
            response = self._session.post(self.rpc_url, json=body, timeout=self.timeout)
            response.raise_for_status()
            answers = response.json()
        except (*_NETWORK_ERRORS, requests.HTTPError, ValueError) as exc:
            raise ChainUnavailable(f"chain node unavailable: {type(exc).__name__}: {exc}") from exc
        if not isinstance(answers, list):   # the node refused the batch as a whole
            raise ChainUnavailable(f"chain node refused a batch request: {answers}")
        by_id = {a.get("id"): a for a in answers if isinstance(a, dict)}
        out = []
        for i in range(len(body)):
            answer = by_id.get(i)
            if answer is None:
                out.append((None, {"code": -32603, "message": "no answer in the batch response"}))
            else:
                out.append((answer.get("result"), answer.get("error")))
        return out

    def _error_of(self, error: dict) -> ChainReverted | ChainUnavailable:
        """A JSON-RPC error object -> ChainReverted (revert data present) or ChainUnavailable."""
        data = error.get("data")
        if data:
            return self._reverted(data, str(error.get("message", "reverted")))
        return ChainUnavailable(f"chain node error: {error}")

    def _reverted(self, data: Any, fallback: str) -> ChainReverted:
        """Decode revert data (custom error, Error(string), Panic) into ChainReverted."""
        if isinstance(data, dict):
            data = data.get("data")
        raw = bytes.fromhex(data[2:]) if isinstance(data, str) and data.startswith("0x") else b""
        if len(raw) >= 4 and raw[:4] in self._errors:
            item = self._errors[raw[:4]]
            types = [i["type"] for i in item["inputs"]]
            values = tuple(Web3.to_checksum_address(v) if t == "address" else _plain(v)
                           for t, v in zip(types, abi_decode(types, raw[4:]), strict=True))
            shown = ", ".join(f"{i['name'] or 'arg'}={v}" for i, v in zip(item["inputs"], values, strict=True))
            name = item["name"]
            reason = REASONS.get(name, "refused by the contract")
            if name in _CODED_ERRORS and values[0] in RESTRICTION_MESSAGES:
                reason = f"{reason}: {RESTRICTION_MESSAGES[values[0]]}"
            return ChainReverted(f"{name}({shown}): {reason}", code=name, args=values)
        if raw[:4] == bytes.fromhex("08c379a0"):
            (msg,) = abi_decode(["string"], raw[4:])
            return ChainReverted(f"reverted: {msg}", code="Error", args=(msg,))
        if raw[:4] == bytes.fromhex("4e487b71"):
            (code,) = abi_decode(["uint256"], raw[4:])
            return ChainReverted(f"panic 0x{code:x}", code="Panic", args=(code,))
        return ChainReverted(f"reverted: {fallback}", code=None)

    def _contract(self, artifact: str, address: str | None = None):
        key = (artifact, None if address is None else address.lower())
        contract = self._contracts.get(key)
        if contract is None:
            art = self.artifacts[artifact]
            if address is None:
                contract = self.w3.eth.contract(abi=list(art.abi), bytecode=art.bytecode)
            else:
                contract = self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=list(art.abi))
            self._contracts[key] = contract
        return contract

    def _fn(self, call: ContractCall):
        if call.address is None:
            return self._contract(call.artifact).constructor(*call.args)
        return getattr(self._contract(call.artifact, call.address).functions, call.function)(*call.args)

    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = self._rpc(lambda: self.w3.eth.chain_id)
        return self._chain_id

    def has_code(self, address: str) -> bool:
        """True when a contract lives at ``address`` (a lost anvil state has none)."""
        return len(self._rpc(self.w3.eth.get_code, Web3.to_checksum_address(address))) > 0

    def block_number(self) -> int:
        return int(self._rpc(lambda: self.w3.eth.block_number))

    def next_nonce(self) -> int:
        """The signer's next nonce as the node sees it (pending). The relay allocates its own."""
        return int(self._rpc(self.w3.eth.get_transaction_count, self.address, "pending"))

    def mined_nonce(self, block: int | str = "latest") -> int:
        """How many of the signer's transactions are mined as of ``block``: every nonce below
        it is used up, by our transaction or by another one signed with the same key."""
        return int(self._rpc(self.w3.eth.get_transaction_count, self.address, block))

    def head_and_mined_nonce(self) -> tuple[int, int]:
        """(head block number, the signer's ``latest`` transaction count) in one round trip."""
        (head, e1), (count, e2) = self.rpc_batch([("eth_blockNumber", []),
                                                  ("eth_getTransactionCount", [self.address, "latest"])])
        if e1 or e2:
            raise ChainUnavailable(f"chain node error: {e1 or e2}")
        return int(head, 16), int(count, 16)

    def native_balance(self, address: str | None = None) -> int:
        """The native-coin balance in wei (the signer's by default: it pays the gas)."""
        return int(self._rpc(self.w3.eth.get_balance, Web3.to_checksum_address(address or self.address)))

    def is_known(self, tx_hash: str) -> bool:
        """True when the node knows the transaction (in its pool or mined); False when it was
        dropped or never arrived."""
        return self.known_many([tx_hash])[0]

    def known_many(self, tx_hashes: list[str]) -> list[bool]:
        """:meth:`is_known` for several transactions in one round trip."""
        out = []
        for result, error in self.rpc_batch([("eth_getTransactionByHash", [h]) for h in tx_hashes]):
            if error is not None:
                raise ChainUnavailable(f"chain node error: {error}")
            out.append(result is not None)
        return out

    def estimate_gas(self, call: ContractCall) -> int:
        """The gas limit to sign ``call`` with (estimate + 20% + 10k). A revert surfaces here
        as :class:`ChainReverted` with the decoded custom error, before any nonce is used."""
        gas = self.estimate_gas_many([call])[0]
        if isinstance(gas, ChainReverted):
            raise gas
        return gas

    def estimate_gas_many(self, calls: list[ContractCall]) -> list[int | ChainReverted]:
        """:meth:`estimate_gas` for several calls in one round trip: per call the gas limit,
        or the ChainReverted it would raise. A node error other than a revert raises
        ChainUnavailable (nothing is decided then)."""
        answers = self.rpc_batch([("eth_estimateGas", [self._tx_fields(call), "latest"]) for call in calls])
        out: list[int | ChainReverted] = []
        for result, error in answers:
            if error is None:
                out.append(int(int(result, 16) * 1.2) + 10_000)
                continue
            problem = self._error_of(error)
            if isinstance(problem, ChainUnavailable):
                raise problem
            out.append(problem)
        return out

    def _tx_fields(self, call: ContractCall) -> dict[str, str]:
        fields = {"from": self.address, "data": "0x" + self._encoders[call.artifact].data(call).hex()}
        if call.address is not None:
            fields["to"] = call.address
        return fields

    def suggest_fees(self) -> tuple[int, int]:
        """(max_fee_per_gas, max_priority_fee_per_gas): 2 x base fee + a 1 gwei tip."""
        return self.fees_and_pending_nonce()[0]

    def fees_and_pending_nonce(self) -> tuple[tuple[int, int], int]:
        """(:meth:`suggest_fees`, :meth:`next_nonce`) in one round trip (what a relay sweep
        reads before preparing)."""
        (block, e1), (count, e2) = self.rpc_batch([("eth_getBlockByNumber", ["latest", False]),
                                                   ("eth_getTransactionCount", [self.address, "pending"])])
        if e1 or e2 or not block:
            raise ChainUnavailable(f"chain node error: {e1 or e2 or 'no latest block'}")
        priority = 10**9
        return (2 * int(block["baseFeePerGas"], 16) + priority, priority), int(count, 16)

    # ------------------------------------------------------------------ sign / send / receipts

    def build_and_sign(self, call: ContractCall, *, nonce: int, gas: int | None = None,
                       max_fee_per_gas: int | None = None,
                       max_priority_fee_per_gas: int | None = None) -> SignedTx:
        """Sign ``call`` at ``nonce``. Without ``gas`` it is estimated, which also surfaces a
        revert early as :class:`ChainReverted`. Fees default to 2 x base fee + 1 gwei tip.
        With gas and both fees given (and the chain id known) it signs locally, without a
        request to the node, so the relay can sign inside its short nonce transaction."""
        if gas is not None and max_fee_per_gas is not None and max_priority_fee_per_gas is not None:
            return sign_eip1559(private_key=self._key, chain_id=self.chain_id(), nonce=nonce, to=call.address,
                                data=self._encoders[call.artifact].data(call), gas=gas,
                                max_fee_per_gas=max_fee_per_gas, max_priority_fee_per_gas=max_priority_fee_per_gas)
        fn = self._fn(call)
        tx: dict[str, Any] = {"from": self.address, "nonce": nonce, "chainId": self.chain_id(), "value": 0}
        if max_priority_fee_per_gas is None:
            max_priority_fee_per_gas = 10**9
        if max_fee_per_gas is None:
            base = self._rpc(self.w3.eth.get_block, "latest")["baseFeePerGas"]
            max_fee_per_gas = 2 * base + max_priority_fee_per_gas
        tx.update(maxFeePerGas=max_fee_per_gas, maxPriorityFeePerGas=max_priority_fee_per_gas)
        if gas is None:
            gas = self.estimate_gas(call)
        tx["gas"] = gas
        built = self._rpc(fn.build_transaction, tx)
        signed = self.account.sign_transaction(built)
        return SignedTx(raw=bytes(signed.raw_transaction), hash="0x" + bytes(signed.hash).hex(), nonce=nonce)

    def broadcast(self, raw: bytes) -> str:
        """Send a signed transaction; sending the same bytes again is harmless."""
        tx_hash = "0x" + keccak(raw).hex()
        try:
            self._rpc(self.w3.eth.send_raw_transaction, raw)
        except ChainUnavailable as exc:
            text = str(exc).lower()
            if "already known" in text or "already imported" in text or "nonce too low" in text:
                return tx_hash
            raise
        return tx_hash

    def broadcast_many(self, raws: list[bytes]) -> list[ChainUnavailable | None]:
        """:meth:`broadcast` for several signed transactions in one round trip (in list order,
        i.e. nonce order). Per transaction None when the node has it (sent now, or "already
        known" / "nonce too low": the confirmer tells whose it is), else the node's refusal
        (ChainUnavailable with code "refused")."""
        answers = self.rpc_batch([("eth_sendRawTransaction", ["0x" + raw.hex()]) for raw in raws])
        out: list[ChainUnavailable | None] = []
        for _result, error in answers:
            text = str(error).lower() if error else ""
            if error is None or any(k in text for k in ("already known", "already imported", "nonce too low")):
                out.append(None)
            else:   # the node answered and said no (code "refused"), unlike an unreachable node
                out.append(ChainUnavailable(f"chain node error: {error}", code="refused"))
        return out

    def receipts(self, tx_hashes: list[str]) -> list[Receipt | None]:
        """:meth:`receipt` for several transactions in one round trip."""
        answers = self.rpc_batch([("eth_getTransactionReceipt", [h]) for h in tx_hashes])
        out: list[Receipt | None] = []
        for tx_hash, (result, error) in zip(tx_hashes, answers, strict=True):
            if error is not None:
                raise ChainUnavailable(f"chain node error: {error}")
            if not result:
                out.append(None)
                continue
            status, block = int(result["status"], 16), int(result["blockNumber"], 16)
            address = result.get("contractAddress")
            out.append(Receipt(
                tx_hash=result["transactionHash"], status=status, block_number=block,
                gas_used=int(result["gasUsed"], 16), error=None if status == 1 else self._replay_error(tx_hash, block),
                contract_address=Web3.to_checksum_address(address) if address else None))
        return out

    def receipt(self, tx_hash: str) -> Receipt | None:
        """The receipt of a mined transaction, or None while pending / unknown. A failed
        transaction is replayed with eth_call at its block to name the custom error."""
        return self.receipts([tx_hash])[0]

    def _replay_error(self, tx_hash: str, block: int) -> str:
        """The decoded reason of a reverted transaction: from the node's call tracer when it
        has one (exact, even when an earlier tx of the same block caused the revert), else by
        replaying the call with eth_call before and then after its block."""
        try:
            trace = self.w3.provider.make_request("debug_traceTransaction", [tx_hash, {"tracer": "callTracer"}])
            output = (trace.get("result") or {}).get("output")
            if output and output != "0x":
                return self._reverted(output, "reverted").message
        except (*_NETWORK_ERRORS, ValueError, AttributeError):
            pass
        tx = self._rpc(self.w3.eth.get_transaction, tx_hash)
        call = {"from": tx["from"], "to": tx["to"], "data": tx["input"], "value": tx["value"]}
        for at in (block - 1 if block else "latest", block):
            try:
                self._rpc(self.w3.eth.call, call, at)
            except ChainReverted as exc:
                return exc.message
        return "reverted (no reason)"

    def wait(self, tx_hash: str, *, timeout: float = 30.0) -> Receipt:
        """Poll for the receipt until ``timeout`` (then ChainUnavailable)."""
        deadline = time.monotonic() + timeout
        while True:
            rcpt = self.receipt(tx_hash)
            if rcpt is not None:
                return rcpt
            if time.monotonic() > deadline:
                raise ChainUnavailable(f"transaction {tx_hash} not mined within {timeout}s")
            time.sleep(0.05)

    def transact(self, call: ContractCall, *, timeout: float = 30.0) -> Receipt:
        """Sign at the node's nonce, broadcast, wait; raise ChainReverted on failure."""
        signed = self.build_and_sign(call, nonce=self.next_nonce())
        rcpt = self.wait(self.broadcast(signed.raw), timeout=timeout)
        if rcpt.status != 1:
            raise ChainReverted(rcpt.error or "transaction reverted",
                                code=(rcpt.error or "").split("(")[0] or None)
        return rcpt

    # ------------------------------------------------------------------ deployment

    def deploy_registry(self, *, admin: str | None = None, agent: str | None = None) -> Deployed:
        return self._deploy("InvestorRegistry", admin or self.address, agent or self.address)

    def deploy_token(self, *, name: str, symbol: str, decimals: int, registry: str,
                     admin: str | None = None, agent: str | None = None,
                     settlement: str | None = None) -> Deployed:
        """A SecurityToken; ``settlement`` (the Settlement contract) gets SETTLEMENT_ROLE, none when None."""
        return self._deploy("SecurityToken", name, symbol, decimals, Web3.to_checksum_address(registry),
                            admin or self.address, agent or self.address,
                            Web3.to_checksum_address(settlement) if settlement else ZERO_ADDRESS)

    def deploy_settlement(self, *, admin: str | None = None, operator: str | None = None) -> Deployed:
        """The delivery-versus-payment contract; ``operator`` (default: this signer) submits settlements."""
        return self._deploy("Settlement", admin or self.address, operator or self.address)

    def _deploy(self, artifact: str, *args) -> Deployed:
        rcpt = self.transact(ContractCall(artifact, "constructor", tuple(args)))
        return Deployed(address=rcpt.contract_address or "", tx_hash=rcpt.tx_hash)

    # ------------------------------------------------------------------ registry writes

    def register_wallet(self, registry: str, *, ref: bytes | str, wallet: str, investor_id: int,
                        country: int, kyc_expiry: int, accredited: bool = False,
                        qualified: bool = False) -> Receipt:
        flags = (1 if accredited else 0) | (2 if qualified else 0)
        return self.transact(ContractCall("InvestorRegistry", "registerWallet", (
            ref_bytes(ref), Web3.to_checksum_address(wallet), investor_id, country, kyc_expiry, flags), registry))

    def update_investor(self, registry: str, *, ref: bytes | str, investor_id: int, country: int,
                        kyc_expiry: int, accredited: bool = False, qualified: bool = False) -> Receipt:
        flags = (1 if accredited else 0) | (2 if qualified else 0)
        return self.transact(ContractCall("InvestorRegistry", "updateInvestor", (
            ref_bytes(ref), investor_id, country, kyc_expiry, flags), registry))

    def remove_wallet(self, registry: str, *, ref: bytes | str, wallet: str) -> Receipt:
        """Revoke the wallet (it stays bound to its investor, see InvestorRegistry)."""
        return self.transact(ContractCall("InvestorRegistry", "revokeWallet", (
            ref_bytes(ref), Web3.to_checksum_address(wallet)), registry))

    # ------------------------------------------------------------------ token writes

    def _token(self, token: str, function: str, ref: bytes | str, *args) -> Receipt:
        return self.transact(ContractCall("SecurityToken", function, (ref_bytes(ref), *args), token))

    def mint(self, token: str, *, ref: bytes | str, to: str, amount: int) -> Receipt:
        return self._token(token, "mint", ref, Web3.to_checksum_address(to), amount)

    def batch_mint(self, token: str, *, ref: bytes | str, to: Iterable[str], amounts: Iterable[int]) -> Receipt:
        return self._token(token, "batchMint", ref, [Web3.to_checksum_address(a) for a in to], list(amounts))

    def burn(self, token: str, *, ref: bytes | str, wallet: str, amount: int) -> Receipt:
        return self._token(token, "burn", ref, Web3.to_checksum_address(wallet), amount)

    def forced_transfer(self, token: str, *, ref: bytes | str, sender: str, recipient: str,
                        amount: int) -> Receipt:
        return self._token(token, "forcedTransfer", ref, Web3.to_checksum_address(sender),
                           Web3.to_checksum_address(recipient), amount)

    def set_wallet_frozen(self, token: str, *, ref: bytes | str, wallet: str, frozen: bool) -> Receipt:
        return self._token(token, "setWalletFrozen", ref, Web3.to_checksum_address(wallet), frozen)

    def freeze_tokens(self, token: str, *, ref: bytes | str, wallet: str, amount: int) -> Receipt:
        return self._token(token, "freezeTokens", ref, Web3.to_checksum_address(wallet), amount)

    def unfreeze_tokens(self, token: str, *, ref: bytes | str, wallet: str, amount: int) -> Receipt:
        return self._token(token, "unfreezeTokens", ref, Web3.to_checksum_address(wallet), amount)

    def pause(self, token: str, *, ref: bytes | str) -> Receipt:
        return self._token(token, "pause", ref)

    def unpause(self, token: str, *, ref: bytes | str) -> Receipt:
        return self._token(token, "unpause", ref)

    def set_document(self, token: str, *, ref: bytes | str, name: str, uri: str, document_hash: bytes) -> Receipt:
        return self._token(token, "setDocument", ref, name.encode().ljust(32, b"\0"), uri, document_hash)

    def transfer(self, token: str, *, recipient: str, amount: int) -> Receipt:
        """An investor-style transfer signed by this backend's key (tests, ops scripts)."""
        return self.transact(ContractCall("SecurityToken", "transfer",
                                          (Web3.to_checksum_address(recipient), amount), token))

    # ------------------------------------------------------------------ reads

    def _call(self, artifact: str, address: str, function: str, *args):
        fn = getattr(self._contract(artifact, address).functions, function)(*args)
        return self._rpc(fn.call)

    def read(self, artifact: str, address: str, function: str, *args: Any) -> Any:
        """Call a view function of a contract of ours (``artifact`` names its ABI) and return
        its result as plain Python values (ints, strs, bools, lists; bytes as 0x-hex)."""
        return _plain(self._call(artifact, address, function, *args))

    def balance_of(self, token: str, wallet: str) -> int:
        return int(self._call("SecurityToken", token, "balanceOf", Web3.to_checksum_address(wallet)))

    def total_supply(self, token: str) -> int:
        return int(self._call("SecurityToken", token, "totalSupply"))

    def holders(self, token: str) -> int:
        """Number of investors (not wallets) holding the token."""
        return int(self._call("SecurityToken", token, "holderCount"))

    def frozen_balance_of(self, token: str, wallet: str) -> int:
        return int(self._call("SecurityToken", token, "frozenBalanceOf", Web3.to_checksum_address(wallet)))

    def transferable_balance_of(self, token: str, wallet: str) -> int:
        return int(self._call("SecurityToken", token, "transferableBalanceOf", Web3.to_checksum_address(wallet)))

    def detect_transfer_restriction(self, token: str, sender: str, recipient: str, amount: int) -> int:
        return int(self._call("SecurityToken", token, "detectTransferRestriction",
                              Web3.to_checksum_address(sender), Web3.to_checksum_address(recipient), amount))

    def message_for_restriction(self, token: str, code: int) -> str:
        return str(self._call("SecurityToken", token, "messageForTransferRestriction", code))

    # ------------------------------------------------------------------ events

    def events(self, contract: str, from_block: int, to_block: int) -> list[ChainEvent]:
        """Decoded logs of ``contract`` in [from_block, to_block], fetched in windows of
        ``log_window`` blocks; unknown logs are skipped."""
        out: list[ChainEvent] = []
        address = Web3.to_checksum_address(contract)
        start = from_block
        while start <= to_block:
            end = min(to_block, start + self.log_window - 1)
            logs = self._rpc(self.w3.eth.get_logs, {"address": address, "fromBlock": start, "toBlock": end})
            for log in logs:
                item = self._events.get(bytes(log["topics"][0])) if log["topics"] else None
                if item is None:
                    continue
                data = get_event_data(self.w3.codec, item, log)
                out.append(ChainEvent(contract=address, name=data["event"], block_number=int(data["blockNumber"]),
                                      tx_hash="0x" + bytes(data["transactionHash"]).hex(),
                                      log_index=int(data["logIndex"]), args=_plain(dict(data["args"]))))
            start = end + 1
        return out
