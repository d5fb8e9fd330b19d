"""Delivery versus payment through the mirror, on a real chain: a trade agreed on the board
and signed by both wallets (EIP-712, eth-account) goes out as ONE settlement.dvp action; the
relay sends it to the Settlement contract, the confirmer tells the register in the same
transaction. Settled: both legs moved on chain and in the register, the indexer records
nothing of it as a chain-originated transfer, the reconciler sees no difference on either
token (the cash token included). Refused (mined revert, or refused at estimation): nothing
moved on chain, both holds released, the failure carries the contract's error. A subscription
paid by DvP (settlement.primary) mints to the investor and pays the issuer's treasury."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import Role
from chain.confirmer import confirm_sweep
from chain.indexer import index_sweep
from chain.models import ChainTransaction, DeployedContract
from chain.port import ContractCall
from chain.reconciler import token_differences
from chain.relay import relay_sweep
from chain.web3_backend import Web3Backend
from core.models import OutboxEntry
from investors.tests.factories import VERIFIED_INVESTOR_KEY
from issuance.models import Security, SettlementMode, Subscription
from issuance.tests.factories import IssuerFactory, OfferingFactory, SecurityFactory, SubscriptionFactory
from ledger.models import Position, TokenAction
from ledger.services import offer_accept, offer_create, settlement_authorize, subscription_pay
from ledger.settlement_selectors import settlement_typed_data
from ledger.tests.dvp import BUYER_KEY, TREASURY_KEY, Market, investor_with_key, sign

from .conftest import put, settle


@pytest.fixture
def chain_market(db, backend, registry, issuer_org, issuer_admin, verified_investor) -> Market:
    """A bond and a JPY cash token, both on chain; the seller (verified investor) holds 10
    units, the buyer 10,000 JPY; the terms come from the real chain.selectors.settlement_terms."""
    from django.conf import settings

    from investors.models import Wallet
    from ledger.services import tokens_issue

    assert settings.SETTLEMENT_TERMS == "chain.selectors.settlement_terms"
    issuer = IssuerFactory(organization=issuer_org)
    bond = SecurityFactory(issuer=issuer, created_by=issuer_admin, name="DvP Bond 2032", symbol="DVP32")
    cash = SecurityFactory(issuer=issuer, created_by=issuer_admin, kind=Security.Kind.CASH, name="JPY coin",
                           symbol="JPYTC", currency="JPY", decimals=0)
    buyer, buyer_wallet = investor_with_key("buyer@example.test", BUYER_KEY)
    for security in (bond, cash):
        put("token.deploy", {"security_id": security.pk, "name": security.name, "symbol": security.symbol,
                             "decimals": 0, "rules": {}}, f"offering:{security.pk}:deploy")
    settle(backend)
    seller_wallet = Wallet.objects.get(profile__user=verified_investor)
    tokens_issue(security=bond, wallet=seller_wallet, amount=10, actor=issuer_admin, reason="initial issue")
    tokens_issue(security=cash, wallet=buyer_wallet, amount=10_000, actor=issuer_admin, reason="deposit")
    settle(backend)
    return Market(bond=bond, cash=cash, seller=verified_investor, seller_wallet=seller_wallet, buyer=buyer,
                  buyer_wallet=buyer_wallet, issuer_admin=issuer_admin)


def _token(security) -> str:
    return DeployedContract.objects.get(name=f"SecurityToken:{security.pk}").address


def _submitted(m: Market, *, units: int = 4, unit_price: str = "1500"):
    """Offer, accept, both parties sign the typed data the register shows them."""
    offer = offer_create(security=m.bond, wallet=m.seller_wallet, units=units, unit_price=unit_price,
                         expires_at=m.later(hours=1), actor=m.seller)
    settlement = offer_accept(offer=offer, wallet=m.buyer_wallet, actor=m.buyer)
    typed = settlement_typed_data(settlement)
    assert typed["domain"]["verifyingContract"] == DeployedContract.objects.get(name="Settlement").address
    settlement_authorize(settlement=settlement, signature=sign(typed, VERIFIED_INVESTOR_KEY), actor=m.seller)
    settlement = settlement_authorize(settlement=settlement, signature=sign(typed, BUYER_KEY), actor=m.buyer)
    assert settlement.status == "submitted"
    return settlement


def _chain_balances(backend, m: Market) -> tuple[int, int, int, int]:
    bond, cash = _token(m.bond), _token(m.cash)
    seller, buyer = m.seller_wallet.address, m.buyer_wallet.address
    return (backend.balance_of(bond, seller), backend.balance_of(bond, buyer),
            backend.balance_of(cash, buyer), backend.balance_of(cash, seller))


def _register(m: Market) -> tuple[tuple[int, int], ...]:
    """(balance, held) of the seller's units, the buyer's units, the buyer's cash, the seller's cash."""
    def row(security, wallet) -> tuple[int, int]:
        p = Position.objects.filter(security=security, wallet=wallet.address).first()
        return (int(p.balance), int(p.held)) if p else (0, 0)
    return (row(m.bond, m.seller_wallet), row(m.bond, m.buyer_wallet), row(m.cash, m.buyer_wallet),
            row(m.cash, m.seller_wallet))


def _moves(differences) -> list:
    """The differences of balances and supply (the cash token's trust account is cash/'s own check)."""
    return [d for d in differences if d.kind != "invariant"]


def test_a_signed_trade_moves_both_legs_on_chain_and_in_the_register(chain_market, backend):
    m = chain_market
    settlement = _submitted(m)

    settle(backend)

    [entry] = OutboxEntry.objects.filter(kind="settlement.dvp")
    settlement.refresh_from_db()
    assert (entry.status, settlement.status) == ("confirmed", "settled")
    assert _chain_balances(backend, m) == (6, 4, 4000, 6000)
    assert _register(m) == ((6, 0), (4, 0), (4000, 0), (6000, 0))
    assert set(TokenAction.objects.filter(outbox=entry).values_list("kind", flat=True)) == {
        "dvp_delivery", "dvp_payment"}
    # Both legs are in one of our transactions: the indexer records neither as a transfer made on chain.
    indexed = index_sweep(backend=backend)
    assert indexed.recorded == 0 and indexed.ours >= 2
    assert not TokenAction.objects.filter(origin=TokenAction.Origin.CHAIN).exists()
    for security in (m.bond, m.cash):
        contract = DeployedContract.objects.get(name=f"SecurityToken:{security.pk}")
        assert _moves(token_differences(security=security, contract=contract, backend=backend)[0]) == []
    assert backend.read("Settlement", DeployedContract.objects.get(name="Settlement").address, "isUsed",
                        settlement.pk) is True


def test_a_trade_that_reverts_in_its_block_moves_nothing_and_fails_with_the_contract_error(
        chain_market, backend, chain_snapshot, no_automine):
    m = chain_market
    settlement = _submitted(m)
    relay_sweep(backend=backend)                                   # estimated while the seller still had the units
    assert OutboxEntry.objects.get(kind="settlement.dvp").status == "submitted"
    # Before the block is mined, the seller moves every unit away on chain with a higher tip.
    seller = Web3Backend(chain_snapshot.rpc_url, VERIFIED_INVESTOR_KEY)
    call = ContractCall("SecurityToken", "transfer", (m.buyer_wallet.address, 10), _token(m.bond))
    max_fee, priority = backend.suggest_fees()
    signed = seller.build_and_sign(call, nonce=seller.next_nonce(), gas=200_000, max_fee_per_gas=max_fee * 4,
                                   max_priority_fee_per_gas=max(priority * 4, 10**9))
    seller.broadcast(signed.raw)
    chain_snapshot.rpc("evm_mine")

    confirm_sweep(backend=backend)

    entry = OutboxEntry.objects.get(kind="settlement.dvp")
    settlement.refresh_from_db()
    assert entry.status == "failed" and entry.last_error.startswith("[SecurityLegRestricted] ")
    assert (settlement.status, settlement.failure_code) == ("failed", "security_leg_restricted")
    assert "SecurityLegRestricted" in settlement.failure_message
    assert _chain_balances(backend, m) == (0, 10, 10_000, 0)      # only the seller's own transfer moved
    assert _register(m) == ((10, 0), (0, 0), (10_000, 0), (0, 0))  # holds released, nothing moved


def test_a_trade_refused_at_estimation_fails_with_the_contract_error_and_no_transaction(chain_market, backend):
    m = chain_market
    put("token.pause", {"security_id": m.cash.pk}, "test:cash:pause")   # paused on chain, unknown to the register
    settle(backend)
    settlement = _submitted(m)

    relay_sweep(backend=backend)

    entry = OutboxEntry.objects.get(kind="settlement.dvp")
    settlement.refresh_from_db()
    assert entry.status == "failed" and entry.last_error.startswith("[CashLegRestricted] ")
    assert not ChainTransaction.objects.filter(entry=entry).exists()   # no nonce used
    assert (settlement.status, settlement.failure_code) == ("failed", "cash_leg_restricted")
    assert _chain_balances(backend, m) == (10, 0, 10_000, 0)
    assert _register(m) == ((10, 0), (0, 0), (10_000, 0), (0, 0))


def test_a_paid_subscription_mints_to_the_investor_and_pays_the_treasury_in_one_transaction(chain_market, backend):
    m = chain_market
    treasury, treasury_wallet = investor_with_key("treasury@example.test", TREASURY_KEY, role=Role.TREASURY)
    settle(backend)                                                 # the treasury wallet in the registry
    issuer = m.bond.issuer
    issuer.treasury = treasury
    issuer.save(update_fields=["treasury"])
    offering = OfferingFactory(security=m.bond, documents=False, settlement_mode=SettlementMode.DVP)
    subscription = SubscriptionFactory(offering=offering, investor=m.buyer, units=5, amount=Decimal("5000"),
                                       status=Subscription.Status.SIGNED)
    settlement = subscription_pay(subscription=subscription, wallet=m.buyer_wallet, actor=m.buyer)
    settlement_authorize(settlement=settlement, signature=sign(settlement_typed_data(settlement), BUYER_KEY),
                         actor=m.buyer)

    settle(backend)

    [entry] = OutboxEntry.objects.filter(kind="settlement.primary")
    settlement.refresh_from_db()
    assert (entry.status, settlement.status) == ("confirmed", "settled")
    assert Subscription.objects.get(pk=subscription.pk).status == "settled"
    bond, cash = _token(m.bond), _token(m.cash)
    assert (backend.balance_of(bond, m.buyer_wallet.address), backend.total_supply(bond)) == (5, 15)
    assert (backend.balance_of(cash, m.buyer_wallet.address), backend.balance_of(cash, treasury_wallet.address)) == (
        5000, 5000)
    assert index_sweep(backend=backend).recorded == 0
    for security in (m.bond, m.cash):
        contract = DeployedContract.objects.get(name=f"SecurityToken:{security.pk}")
        assert _moves(token_differences(security=security, contract=contract, backend=backend)[0]) == []
