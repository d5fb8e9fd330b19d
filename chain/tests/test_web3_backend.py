"""Web3Backend against a real anvil: happy path, and each bad input decoded into a typed error."""

from __future__ import annotations

import pytest
from eth_account import Account

from chain.port import ChainEvent, ChainReverted, ChainUnavailable, ContractCall
from chain.web3_backend import Web3Backend

JP = 392
FAR = 2**40 - 1


@pytest.fixture
def agent(chain_snapshot):
    return Web3Backend(chain_snapshot.rpc_url, chain_snapshot.keys[0])


@pytest.fixture
def investors(chain_snapshot):
    """Two investor wallets that can sign their own transfers."""
    return [Account.from_key(k) for k in chain_snapshot.keys[1:3]]


@pytest.fixture
def deployed(agent, investors):
    registry = agent.deploy_registry().address
    token = agent.deploy_token(name="Shoken Bond", symbol="SB", decimals=0, registry=registry).address
    for i, inv in enumerate(investors, start=1):
        agent.register_wallet(registry, ref=f"reg:{i}", wallet=inv.address, investor_id=i, country=JP,
                              kyc_expiry=FAR, accredited=True)
    agent.mint(token, ref="mint:1", to=investors[0].address, amount=1000)
    return registry, token


def backend_for(anvil, key):
    return Web3Backend(anvil.rpc_url, key)


def test_deploy_register_mint_transfer_happy_path(agent, investors, deployed, chain_snapshot):
    registry, token = deployed
    alice, bob = investors
    assert agent.detect_transfer_restriction(token, alice.address, bob.address, 100) == 0
    receipt = backend_for(chain_snapshot, alice.key.hex()).transfer(token, recipient=bob.address, amount=100)
    assert receipt.status == 1 and receipt.gas_used > 0
    assert agent.balance_of(token, bob.address) == 100
    assert agent.total_supply(token) == 1000
    assert agent.holders(token) == 2
    events = agent.events(token, 0, agent.block_number())
    assert all(isinstance(e, ChainEvent) for e in events)
    assert [e.name for e in events if e.name == "Minted"] == ["Minted"]
    transfer = [e for e in events if e.name == "Transfer"][-1]
    assert transfer.args["value"] == 100 and transfer.args["to"] == bob.address
    assert isinstance(transfer.args["from"], str)


def test_build_and_sign_then_broadcast_is_idempotent(agent, investors, deployed):
    _, token = deployed
    call = ContractCall("SecurityToken", "mint", (b"\x01" * 32, investors[1].address, 5), token)
    signed = agent.build_and_sign(call, nonce=agent.next_nonce())
    assert agent.broadcast(signed.raw) == signed.hash
    assert agent.broadcast(signed.raw) == signed.hash  # rebroadcast of the same bytes is harmless
    assert agent.wait(signed.hash).status == 1
    assert agent.balance_of(token, investors[1].address) == 5


def test_unregistered_wallet(agent, deployed):
    _, token = deployed
    stranger = Account.create().address
    with pytest.raises(ChainReverted) as err:
        agent.mint(token, ref="mint:x", to=stranger, amount=1)
    assert err.value.code == "WalletNotRegistered" and err.value.permanent
    assert "not registered" in err.value.message and stranger in err.value.message


def test_expired_kyc(agent, investors, deployed):
    registry, token = deployed
    agent.update_investor(registry, ref="kyc:1", investor_id=2, country=JP, kyc_expiry=1, accredited=True)
    with pytest.raises(ChainReverted) as err:
        agent.mint(token, ref="mint:2", to=investors[1].address, amount=1)
    assert err.value.code == "KycExpired"
    assert "KYC has expired" in err.value.message


def test_frozen_wallet(agent, investors, deployed, chain_snapshot):
    _, token = deployed
    agent.set_wallet_frozen(token, ref="freeze:1", wallet=investors[0].address, frozen=True)
    with pytest.raises(ChainReverted) as err:
        backend_for(chain_snapshot, investors[0].key.hex()).transfer(token, recipient=investors[1].address, amount=1)
    assert err.value.code == "WalletFrozen" and "frozen" in err.value.message


def test_paused_token(agent, investors, deployed, chain_snapshot):
    _, token = deployed
    agent.pause(token, ref="pause:1")
    with pytest.raises(ChainReverted) as err:
        backend_for(chain_snapshot, investors[0].key.hex()).transfer(token, recipient=investors[1].address, amount=1)
    assert err.value.code == "TokenPaused" and "paused" in err.value.message


def test_amount_above_free_balance(agent, investors, deployed, chain_snapshot):
    _, token = deployed
    agent.freeze_tokens(token, ref="pf:1", wallet=investors[0].address, amount=900)
    assert agent.transferable_balance_of(token, investors[0].address) == 100
    wallets, head = [investors[0].address, investors[1].address], agent.block_number()   # the reconciler's bulk reads
    assert agent.balances_at(token, wallets, head, frozen=True) == [agent.frozen_balance_of(token, w) for w in wallets]
    assert agent.balances_at(token, wallets, head, frozen=True)[0] == 900
    with pytest.raises(ChainReverted) as err:
        backend_for(chain_snapshot, investors[0].key.hex()).transfer(token, recipient=investors[1].address, amount=101)
    assert err.value.code == "InsufficientFreeBalance"
    assert err.value.error_args[1:] == (100, 101)
    assert "free (unfrozen) balance" in err.value.message


def test_reused_reference(agent, investors, deployed):
    _, token = deployed
    with pytest.raises(ChainReverted) as err:
        agent.mint(token, ref="mint:1", to=investors[0].address, amount=1000)  # replay
    assert err.value.code == "RefAlreadyUsed" and "already used" in err.value.message
    assert agent.total_supply(token) == 1000  # never minted twice


def test_wrong_role(investors, deployed, chain_snapshot):
    _, token = deployed
    outsider = backend_for(chain_snapshot, chain_snapshot.keys[3])
    with pytest.raises(ChainReverted) as err:
        outsider.mint(token, ref="mint:evil", to=investors[0].address, amount=1)
    assert err.value.code == "AccessControlUnauthorizedAccount"
    assert "role" in err.value.message and outsider.address in err.value.message


def test_failed_mined_tx_receipt_names_the_error(agent, investors, deployed):
    _, token = deployed
    call = ContractCall("SecurityToken", "pause", (b"\x07" * 32,), token)
    agent.pause(token, ref="pause:a")
    signed = agent.build_and_sign(call, nonce=agent.next_nonce(), gas=100_000)  # skip estimation
    receipt = agent.wait(agent.broadcast(signed.raw))
    assert receipt.status == 0 and receipt.error and receipt.error.startswith("TokenPaused")


def test_unreachable_node_is_temporary():
    backend = Web3Backend("http://127.0.0.1:9", "0x" + "11" * 32, timeout=1)
    with pytest.raises(ChainUnavailable) as err:
        backend.block_number()
    assert err.value.permanent is False


DELIVERY = [{"name": n, "type": t} for n, t in [
    ("security", "address"), ("units", "uint256"), ("seller", "address"), ("buyer", "address"),
    ("cash", "address"), ("price", "uint256"), ("nonce", "uint256"), ("deadline", "uint256")]]


def test_settlement_dvp_and_its_refusals_decoded(agent, investors):
    """A Settlement deployed through the port settles a delivery both wallets signed with
    eth-account typed data; a refused leg is decoded with its restriction message."""
    settlement = agent.deploy_settlement().address
    registry = agent.deploy_registry().address
    sec, cash = (agent.deploy_token(name=n, symbol=n, decimals=0, registry=registry, settlement=settlement).address
                 for n in ("BOND", "JPY"))
    seller, buyer = investors
    for i, inv in enumerate(investors, start=1):
        agent.register_wallet(registry, ref=f"dvp-reg:{i}", wallet=inv.address, investor_id=i, country=JP,
                              kyc_expiry=FAR)
    agent.mint(sec, ref="dvp:units", to=seller.address, amount=100)
    agent.mint(cash, ref="dvp:cash", to=buyer.address, amount=5000)
    domain = {"name": "Shoken Settlement", "version": "1", "chainId": agent.chain_id(), "verifyingContract": settlement}

    def call(**terms):
        d = {"security": sec, "units": 10, "seller": seller.address, "buyer": buyer.address, "cash": cash,
             "price": 3000, "nonce": 1, "deadline": FAR, **terms}
        sigs = [Account.sign_typed_data(a.key, domain, {"Delivery": DELIVERY}, d).signature for a in investors]
        return ContractCall("Settlement", "settle", (tuple(d.values()), *sigs), settlement)

    agent.transact(call())
    assert [agent.balance_of(sec, seller.address), agent.balance_of(sec, buyer.address)] == [90, 10]
    assert [agent.balance_of(cash, seller.address), agent.balance_of(cash, buyer.address)] == [3000, 2000]
    assert agent.read("Settlement", settlement, "isUsed", 1)
    (settled,) = [e for e in agent.events(settlement, 0, agent.block_number()) if e.name == "Settled"]
    assert settled.args["nonce"] == 1 and settled.args["price"] == 3000 and not settled.args["primary"]

    with pytest.raises(ChainReverted) as replayed:
        agent.estimate_gas(call())
    assert replayed.value.code == "AuthorizationUsed" and "replayed" in replayed.value.message
    with pytest.raises(ChainReverted) as short:
        agent.estimate_gas(call(nonce=2))   # 2,000 yen left for a 3,000 yen price
    assert short.value.code == "CashLegRestricted" and short.value.error_args == (8,)
    assert "exceeds the free" in short.value.message
