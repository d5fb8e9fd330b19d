"""Gas benchmark: Shoken's SecurityToken vs a plain OpenZeppelin ERC-20 vs T-REX 4.1.6.

Run from the repository root:  .venv/bin/python bench/gas_bench.py

Starts ONE fresh anvil (profile `bench-gas` of platform/node/anvil.json: a free 127.0.0.1 port), deploys on it
  * a plain OpenZeppelin 5 ERC-20 (bench/gas/PlainERC20.sol, compiled here with solcjs),
  * our InvestorRegistry + SecurityToken (platform/artifacts/*.json) with every rule enabled
    (country allowlist, accredited-only, a past lock-up date, max holders, max investor balance),
  * T-REX 4.1.6 from the Hardhat artifacts of the npm package @tokenysolutions/t-rex
    (GPL-3.0: used here only, never copied): ClaimTopicsRegistry (topic 1), a ClaimIssuer
    trusted for it, TrustedIssuersRegistry, IdentityRegistryStorage, IdentityRegistry,
    ModularCompliance (no modules), Token, and one ONCHAINID Identity per investor holding a
    signed topic-1 claim. Contracts are deployed and `init`-ed directly (no proxies), which
    spares T-REX the proxy's delegatecall: its numbers here are a lower bound.
and measures the same operations on each. The last line printed is the RESULT line.
Transactions are sent from anvil's unlocked dev accounts (gas does not depend on signing).

Delivery versus payment (one security leg against one cash leg, both parties already holding
both tokens, amounts as a real trade):
  * ours: one `Settlement.settle(delivery, sellerSignature, buyerSignature)` sent by the
    operator between two registered investors, both signatures made with eth-account typed
    data (EIP-712); the security is the all-rules token above, the cash a rule-less
    SecurityToken (0 decimals), both granting the Settlement SETTLEMENT_ROLE;
  * T-REX 4.1.6: its DVDTransferManager (npm artifact, deployed directly) between two
    T-REX tokens (the share above and a second T-REX token as cash, same identity registry):
    `initiateDVDTransfer` by the maker plus `takeDVDTransfer` by the taker, summed. Both
    parties' `approve` of the manager are done beforehand and NOT counted (the manager is
    allowance based, no escrow);
  * a floor: two plain OpenZeppelin ERC-20 transfers (one per token, no checks, no atomicity).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from eth_abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import encode_defunct
from web3 import Web3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from chain.node_config import anvil_command  # noqa: E402 (importable once ROOT is on the path)

DELIVERY_TYPES = {"Delivery": [{"name": n, "type": t} for n, t in [
    ("security", "address"), ("units", "uint256"), ("seller", "address"), ("buyer", "address"),
    ("cash", "address"), ("price", "uint256"), ("nonce", "uint256"), ("deadline", "uint256")]]}
DVP_UNITS = 10**18
DVP_PRICE = 1_000_000

TREX = ROOT / "node_modules" / "@tokenysolutions" / "t-rex" / "artifacts"
OUR_ARTIFACTS = ROOT / "platform" / "artifacts"
BATCH = 100
ISSUER_KEY = "0x" + "11" * 32  # the T-REX claim issuer's signing key (bench only)


def start_anvil() -> tuple[subprocess.Popen, Web3]:
    argv, port = anvil_command("bench-gas")
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}", request_kwargs={"timeout": 30}))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"anvil exited: {proc.stderr.read().decode()}")
        try:
            _ = w3.eth.chain_id
            return proc, w3
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.05)
    proc.terminate()
    raise RuntimeError("anvil did not answer eth_chainId within 30 s")


class Chain:
    """Tiny deploy / transact helper over unlocked dev accounts."""

    def __init__(self, w3: Web3):
        self.w3 = w3
        self.accounts = w3.eth.accounts
        self.deployer = self.accounts[0]

    def deploy(self, artifact: dict, *args, sender: str | None = None):
        factory = self.w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
        tx = factory.constructor(*args).transact({"from": sender or self.deployer})
        rcpt = self.w3.eth.wait_for_transaction_receipt(tx)
        assert rcpt.status == 1, f"deploy of {artifact.get('contractName')} failed"
        return self.w3.eth.contract(address=rcpt.contractAddress, abi=artifact["abi"])

    def send(self, fn, sender: str | None = None) -> int:
        """Send a contract call; return its gasUsed (asserting success)."""
        tx = fn.transact({"from": sender or self.deployer, "gas": 60_000_000})
        rcpt = self.w3.eth.wait_for_transaction_receipt(tx)
        assert rcpt.status == 1, f"transaction {fn.fn_name} reverted"
        return rcpt.gasUsed


def load_trex(rel: str) -> dict:
    return json.loads((TREX / rel).read_text())


def batch_wallets(tag: int) -> list[str]:
    """BATCH fresh, deterministic recipient addresses (no keys needed: they only receive)."""
    return [Web3.to_checksum_address(Web3.keccak(text=f"bench-{tag}-{i}")[-20:]) for i in range(BATCH)]


def bench_erc20(c: Chain) -> dict[str, int]:
    art = json.loads(subprocess.check_output(["node", str(ROOT / "bench/gas/compile.mjs")], cwd=ROOT))
    tok = c.deploy(art)
    a, b, new = c.accounts[1], c.accounts[2], c.accounts[3]
    c.send(tok.functions.mint(a, 10**21))
    c.send(tok.functions.mint(b, 10**21))
    out = {
        "transfer_existing": c.send(tok.functions.transfer(b, 10**18), a),
        "transfer_new": c.send(tok.functions.transfer(new, 10**18), a),
        "mint": c.send(tok.functions.mint(c.accounts[4], 10**18)),
    }
    out["batch_mint_per_holder"] = c.send(tok.functions.batchMint(batch_wallets(1), [10**18] * BATCH)) // BATCH
    cash = c.deploy(art)
    c.send(cash.functions.mint(a, 10**9))
    c.send(cash.functions.mint(b, 10**9))
    out["dvp"] = c.send(tok.functions.transfer(b, DVP_UNITS), a) + c.send(cash.functions.transfer(a, DVP_PRICE), b)
    return out


def bench_ours(c: Chain) -> dict[str, int]:
    reg_art = json.loads((OUR_ARTIFACTS / "InvestorRegistry.json").read_text())
    tok_art = json.loads((OUR_ARTIFACTS / "SecurityToken.json").read_text())
    me = c.deployer
    reg = c.deploy(reg_art, me, me)
    settlement = c.deploy(json.loads((OUR_ARTIFACTS / "Settlement.json").read_text()), me, me)
    tok = c.deploy(tok_art, "Bench Share", "BSH", 18, reg.address, me, me, settlement.address)
    refs = iter(range(1, 10**9))

    def ref() -> bytes:
        return next(refs).to_bytes(32, "big")

    expiry = 2**40 - 1
    seller, buyer = (Account.from_key(Web3.keccak(text=f"bench-{who}")) for who in ("seller", "buyer"))
    people = [c.accounts[1], c.accounts[2], c.accounts[3], c.accounts[4], seller.address, buyer.address]
    people += batch_wallets(2)
    regs = [(w, i + 1, 392, expiry, 1) for i, w in enumerate(people)]  # JP, accredited
    c.send(reg.functions.registerWallets(ref(), regs))
    c.send(tok.functions.setCountriesAllowed(ref(), [392, 840], True))
    c.send(tok.functions.setRules(ref(), 0x01 | 0x02, 1, 10_000, 10**30))  # all rules on
    a, b, new = c.accounts[1], c.accounts[2], c.accounts[3]
    c.send(tok.functions.mint(ref(), a, 10**21))
    c.send(tok.functions.mint(ref(), b, 10**21))
    code = tok.functions.detectTransferRestriction(a, b, 10**18).call()
    assert code == 0, f"unexpected restriction {code}"
    out = {
        "transfer_existing": c.send(tok.functions.transfer(b, 10**18), a),
        "transfer_new": c.send(tok.functions.transfer(new, 10**18), a),
        "mint": c.send(tok.functions.mint(ref(), c.accounts[4], 10**18)),
    }
    out["batch_mint_per_holder"] = c.send(
        tok.functions.batchMint(ref(), batch_wallets(2), [10**18] * BATCH)) // BATCH
    out["dvp"] = bench_our_dvp(c, tok_art, reg, settlement, tok, ref, seller, buyer)
    out.update(bench_our_pay(c, tok_art, reg, ref))
    return out


def bench_our_pay(c: Chain, tok_art: dict, reg, ref) -> dict[str, int]:
    """The paying agent on a rule-less cash token: one plain ``transfer`` between two holders
    against ``batchPay`` of BATCH holders who already hold cash (a coupon after the first) and
    of BATCH who do not (a first coupon), per holder."""
    me = c.deployer
    cash = c.deploy(tok_art, "Bench Yen", "BJPY", 0, reg.address, me, me, "0x" + "00" * 20)
    treasury, a, b = c.accounts[4], c.accounts[1], c.accounts[2]
    holders = batch_wallets(2)
    c.send(cash.functions.mint(ref(), treasury, 10**12))
    c.send(cash.functions.mint(ref(), a, 10**9))
    c.send(cash.functions.mint(ref(), b, 10**9))
    first = c.send(cash.functions.batchPay(ref(), treasury, holders, [1_000] * BATCH)) // BATCH
    return {"cash_transfer": c.send(cash.functions.transfer(b, 1_000), a),
            "pay_per_new_holder": first,
            "pay_per_holder": c.send(cash.functions.batchPay(ref(), treasury, holders, [1_000] * BATCH)) // BATCH}


def bench_our_dvp(c: Chain, tok_art: dict, reg, settlement, tok, ref, seller, buyer) -> int:
    """One settle() between two registered investors holding both tokens, signed with eth-account."""
    me = c.deployer
    cash = c.deploy(tok_art, "Bench Yen", "BJPY", 0, reg.address, me, me, settlement.address)
    for wallet in (seller.address, buyer.address):
        c.send(tok.functions.mint(ref(), wallet, 10**21))
        c.send(cash.functions.mint(ref(), wallet, 10**9))
    delivery = {"security": tok.address, "units": DVP_UNITS, "seller": seller.address, "buyer": buyer.address,
                "cash": cash.address, "price": DVP_PRICE, "nonce": 1, "deadline": 2**40}
    domain = {"name": "Shoken Settlement", "version": "1", "chainId": c.w3.eth.chain_id,
              "verifyingContract": settlement.address}
    seller_sig, buyer_sig = (bytes(Account.sign_typed_data(who.key, domain, DELIVERY_TYPES, delivery).signature)
                             for who in (seller, buyer))
    gas = c.send(settlement.functions.settle(tuple(delivery.values()), seller_sig, buyer_sig))
    assert tok.functions.balanceOf(buyer.address).call() == 10**21 + DVP_UNITS, "security leg not delivered"
    assert cash.functions.balanceOf(seller.address).call() == 10**9 + DVP_PRICE, "cash leg not paid"
    return gas


def bench_trex(c: Chain) -> dict[str, int]:
    me = c.deployer
    issuer_acct = Account.from_key(ISSUER_KEY)
    ctr = c.deploy(load_trex("contracts/registry/implementation/ClaimTopicsRegistry.sol/ClaimTopicsRegistry.json"))
    tir = c.deploy(load_trex(
        "contracts/registry/implementation/TrustedIssuersRegistry.sol/TrustedIssuersRegistry.json"))
    irs = c.deploy(load_trex(
        "contracts/registry/implementation/IdentityRegistryStorage.sol/IdentityRegistryStorage.json"))
    ir = c.deploy(load_trex("contracts/registry/implementation/IdentityRegistry.sol/IdentityRegistry.json"))
    mc_art = load_trex("contracts/compliance/modular/ModularCompliance.sol/ModularCompliance.json")
    mc = c.deploy(mc_art)
    tok_art = load_trex("contracts/token/Token.sol/Token.json")
    tok = c.deploy(tok_art)
    issuer = c.deploy(load_trex("@onchain-id/solidity/contracts/ClaimIssuer.sol/ClaimIssuer.json"), issuer_acct.address)
    for contract in (ctr, tir, irs, mc):
        c.send(contract.functions.init())
    c.send(ir.functions.init(tir.address, ctr.address, irs.address))
    c.send(irs.functions.bindIdentityRegistry(ir.address))
    c.send(ctr.functions.addClaimTopic(1))
    c.send(tir.functions.addTrustedIssuer(issuer.address, [1]))
    c.send(tok.functions.init(ir.address, mc.address, "TREX Share", "TRX", 18, "0x" + "00" * 20))
    c.send(ir.functions.addAgent(me))
    c.send(tok.functions.addAgent(me))

    identity_art = load_trex("@onchain-id/solidity/contracts/Identity.sol/Identity.json")
    people = [c.accounts[1], c.accounts[2], c.accounts[3], c.accounts[4]] + batch_wallets(3)
    identities = []
    for _ in people:
        ident = c.deploy(identity_art, me, False)  # deployer holds the management key
        data = b"kyc-ok"
        digest = Web3.keccak(abi_encode(["address", "uint256", "bytes"], [ident.address, 1, data]))
        sig = Account.sign_message(encode_defunct(primitive=digest), ISSUER_KEY).signature
        c.send(ident.functions.addClaim(1, 1, issuer.address, bytes(sig), data, ""))
        identities.append(ident.address)
    for i in range(0, len(people), 50):
        c.send(ir.functions.batchRegisterIdentity(people[i:i + 50], identities[i:i + 50],
                                                  [392] * len(people[i:i + 50])))
    c.send(tok.functions.unpause())
    a, b, new = c.accounts[1], c.accounts[2], c.accounts[3]
    c.send(tok.functions.mint(a, 10**21))
    c.send(tok.functions.mint(b, 10**21))
    out = {
        "transfer_existing": c.send(tok.functions.transfer(b, 10**18), a),
        "transfer_new": c.send(tok.functions.transfer(new, 10**18), a),
        "mint": c.send(tok.functions.mint(c.accounts[4], 10**18)),
    }
    out["batch_mint_per_holder"] = c.send(tok.functions.batchMint(batch_wallets(3), [10**18] * BATCH)) // BATCH
    out["dvp"] = bench_trex_dvd(c, tok, tok_art, mc_art, ir)
    return out


def bench_trex_dvd(c: Chain, tok, tok_art: dict, mc_art: dict, ir) -> int:
    """initiateDVDTransfer (maker a) + takeDVDTransfer (taker b) between two T-REX tokens;
    the approvals are sent first and not counted."""
    me = c.deployer
    mc = c.deploy(mc_art)
    c.send(mc.functions.init())
    cash = c.deploy(tok_art)
    c.send(cash.functions.init(ir.address, mc.address, "TREX Yen", "TJPY", 0, "0x" + "00" * 20))
    c.send(cash.functions.addAgent(me))
    c.send(cash.functions.unpause())
    a, b = c.accounts[1], c.accounts[2]
    for wallet in (a, b):
        c.send(cash.functions.mint(wallet, 10**9))
    dvd = c.deploy(load_trex("contracts/DVD/DVDTransferManager.sol/DVDTransferManager.json"))
    c.send(tok.functions.approve(dvd.address, DVP_UNITS), a)
    c.send(cash.functions.approve(dvd.address, DVP_PRICE), b)
    transfer_id = dvd.functions.calculateTransferID(dvd.functions.txNonce().call(), a, tok.address, DVP_UNITS, b,
                                                    cash.address, DVP_PRICE).call()
    before = tok.functions.balanceOf(b).call()
    gas = c.send(dvd.functions.initiateDVDTransfer(tok.address, DVP_UNITS, b, cash.address, DVP_PRICE), a)
    gas += c.send(dvd.functions.takeDVDTransfer(transfer_id), b)
    assert tok.functions.balanceOf(b).call() == before + DVP_UNITS, "T-REX DVD did not deliver"
    return gas


def main() -> int:
    proc, w3 = start_anvil()
    try:
        c = Chain(w3)
        erc20 = bench_erc20(c)
        ours = bench_ours(c)
        try:
            trex = bench_trex(c)
        except Exception as exc:  # noqa: BLE001 - report, never invent numbers
            print(f"T-REX NOT MEASURED: {type(exc).__name__}: {exc}", file=sys.stderr)
            trex = None
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()

    rows = [("transfer to existing holder", "transfer_existing"), ("transfer to new holder", "transfer_new"),
            ("mint (new holder)", "mint"), (f"batch mint {BATCH}, per holder", "batch_mint_per_holder")]
    print(f"{'operation':32} {'OZ ERC-20':>10} {'Shoken':>10} {'T-REX 4.1.6':>12} {'x ERC-20':>9} {'x T-REX':>8}")
    for label, key in rows:
        t = trex[key] if trex else None
        print(f"{label:32} {erc20[key]:>10,} {ours[key]:>10,} {t if t is None else format(t, ','):>12} "
              f"{ours[key] / erc20[key]:>9.2f} {'n/a' if t is None else format(ours[key] / t, '.2f'):>8}")
    t = trex["dvp"] if trex else None
    print(f"{'DvP (security vs cash)':32} {erc20['dvp']:>10,} {ours['dvp']:>10,} "
          f"{t if t is None else format(t, ','):>12} {ours['dvp'] / erc20['dvp']:>9.2f} "
          f"{'n/a' if t is None else format(ours['dvp'] / t, '.2f'):>8}")
    print(f"{'batchPay ' + str(BATCH) + ', per holder':32} {'':>10} {ours['pay_per_holder']:>10,}"
          f"   (cash transfer {ours['cash_transfer']:,}; first payment, per new holder "
          f"{ours['pay_per_new_holder']:,})")
    t_tr = trex["transfer_existing"] if trex else "not_measured"
    r_trex = f"{ours['transfer_existing'] / trex['transfer_existing']:.3f}" if trex else "not_measured"
    t_dvd = trex["dvp"] if trex else "not_measured"
    r_dvd = f"{ours['dvp'] / trex['dvp']:.3f}" if trex else "not_measured"
    print(f"RESULT transfer_gas={ours['transfer_existing']} erc20_transfer_gas={erc20['transfer_existing']} "
          f"trex_transfer_gas={t_tr} ratio_vs_erc20={ours['transfer_existing'] / erc20['transfer_existing']:.3f} "
          f"ratio_vs_trex={r_trex} batch_mint_per_holder_gas={ours['batch_mint_per_holder']} "
          f"dvp_gas={ours['dvp']} trex_dvd_gas={t_dvd} dvp_vs_trex_dvd={r_dvd} erc20_pair_gas={erc20['dvp']} "
          f"dvp_vs_erc20_pair={ours['dvp'] / erc20['dvp']:.3f} cash_transfer_gas={ours['cash_transfer']} "
          f"batch_pay_per_holder_gas={ours['pay_per_holder']} "
          f"batch_pay_per_new_holder_gas={ours['pay_per_new_holder']} "
          f"batch_pay_vs_transfer={ours['pay_per_holder'] / ours['cash_transfer']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
