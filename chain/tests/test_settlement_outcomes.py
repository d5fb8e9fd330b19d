"""The mirror's side of a settlement, without a chain: the terms a party signs against
(chain.selectors.settlement_terms), what a settlement waits for (both its tokens), and what
the register is told when the chain decides: a refusal fails the trade and releases both
holds, and the action can never be sent again; a dead letter (the node was down) decides
nothing, and an operator's retry sends it again."""

from __future__ import annotations

import pytest
from django.db import transaction

from chain.batches import plan_batches
from chain.models import DeployedContract
from chain.reconciler import token_actions_in_flight
from chain.relay import depends_on_group, predecessors_in_flight
from chain.retries import entry_fail, entry_retry_later
from chain.selectors import settlement_terms
from chain.services import outbox_retry
from core.errors import ConflictError
from core.models import OutboxEntry
from core.tests.test_outbox_contract import STORED
from investors.tests.factories import VERIFIED_INVESTOR_KEY
from issuance.tests.factories import IssuerFactory, SecurityFactory
from ledger.models import Position
from ledger.services import offer_accept, offer_create, settlement_authorize
from ledger.settlement_selectors import settlement_typed_data
from ledger.tests.dvp import BUYER_KEY, market_open, sign, use_fixed_terms

from .conftest import new_wallet, put

SETTLEMENT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def _deployed(name: str, address: str, chain_id: int = 31337) -> None:
    DeployedContract.objects.create(name=name, chain_id=chain_id, address=address, tx_hash="0x" + "00" * 32)


def test_the_terms_name_the_settlement_contract_and_each_token(db):
    bond, cash = new_wallet(), new_wallet()
    _deployed("Settlement", SETTLEMENT)
    _deployed("SecurityToken:3", bond)
    _deployed("SecurityToken:4", cash)

    terms = settlement_terms([4, 3, 3])

    assert terms == {"domain": {"name": "Shoken Settlement", "version": "1", "chainId": 31337,
                                "verifyingContract": SETTLEMENT},
                     "tokens": {3: bond, 4: cash}}


@pytest.mark.parametrize("deployed", [("SecurityToken:3", "SecurityToken:4"), ("Settlement", "SecurityToken:3")])
def test_no_terms_until_the_contract_and_both_tokens_are_deployed(db, deployed):
    for name in deployed:
        _deployed(name, new_wallet())

    with pytest.raises(ConflictError) as refused:
        settlement_terms([3, 4])

    assert (refused.value.code, refused.value.status) == ("settlement_unavailable", 409)


def test_a_settlement_waits_for_what_is_in_flight_on_either_of_its_tokens(db):
    dvp = STORED["settlement.dvp"]                     # security 3 against cash 4
    cash_mint = put("token.mint", {"security_id": 4, "wallet": dvp["buyer_wallet"], "amount": "9"}, "test:cash:1")
    bond_mint = put("token.mint", {"security_id": 3, "wallet": dvp["seller_wallet"], "amount": "1"}, "test:bond:1")
    trade = put("settlement.dvp", dvp, "settlement:12")
    later_mint = put("token.mint", {"security_id": 3, "wallet": dvp["seller_wallet"], "amount": "2"}, "test:bond:2")
    other = put("token.mint", {"security_id": 5, "wallet": dvp["seller_wallet"], "amount": "2"}, "test:other:1")

    assert depends_on_group(trade, [cash_mint]) and depends_on_group(later_mint, [trade])
    assert not depends_on_group(other, [trade])
    assert predecessors_in_flight(trade)               # the deposit's mint comes first
    assert token_actions_in_flight(4) and not token_actions_in_flight(6)
    # The mints of the bond around the trade are not batched across it.
    ids = [cash_mint.pk, bond_mint.pk, trade.pk, later_mint.pk]
    assert plan_batches(ids) == [[cash_mint.pk], [bond_mint.pk], [trade.pk], [later_mint.pk]]


@pytest.fixture
def submitted(settings, issuer_org, issuer_admin, verified_investor):
    """A trade signed by both parties and submitted (fixed terms: no chain needed)."""
    use_fixed_terms(settings)
    bond = SecurityFactory(issuer=IssuerFactory(organization=issuer_org), created_by=issuer_admin)
    m = market_open(bond=bond, issuer_admin=issuer_admin, seller=verified_investor)
    offer = offer_create(security=m.bond, wallet=m.seller_wallet, units=4, unit_price="1500",
                         expires_at=m.later(hours=1), actor=m.seller)
    settlement = offer_accept(offer=offer, wallet=m.buyer_wallet, actor=m.buyer)
    typed = settlement_typed_data(settlement)
    settlement_authorize(settlement=settlement, signature=sign(typed, VERIFIED_INVESTOR_KEY), actor=m.seller)
    settlement_authorize(settlement=settlement, signature=sign(typed, BUYER_KEY), actor=m.buyer)
    settlement.refresh_from_db()
    assert settlement.status == "submitted"
    return settlement, OutboxEntry.objects.get(kind="settlement.dvp")


def _held(settlement) -> tuple[int, int]:
    seller = Position.objects.get(security=settlement.security, wallet=settlement.seller_wallet)
    buyer = Position.objects.get(security=settlement.cash, wallet=settlement.buyer_wallet)
    return int(seller.held), int(buyer.held)


def test_a_refused_settlement_fails_in_the_register_and_is_never_sent_again(submitted, operator):
    settlement, entry = submitted
    message = "AuthorizationExpired(deadline=1767225600): the authorization's deadline has passed"

    entry_fail(entry.pk, code="AuthorizationExpired", message=message)

    settlement.refresh_from_db()
    assert (settlement.status, settlement.failure_code) == ("failed", "authorization_expired")
    assert settlement.failure_message == message
    assert _held(settlement) == (0, 0)
    with pytest.raises(ConflictError) as refused:
        outbox_retry(entry=entry, actor=operator)
    assert refused.value.code == "settlement_decided"
    assert OutboxEntry.objects.get(pk=entry.pk).status == "failed"


def test_a_dead_lettered_settlement_keeps_its_holds_and_an_operator_sends_it_again(submitted, operator, settings):
    settlement, entry = submitted
    settings.CHAIN_MAX_ATTEMPTS = 1

    assert entry_retry_later(entry.pk, message="chain node unavailable: ConnectionError") is True

    settlement.refresh_from_db()
    assert OutboxEntry.objects.get(pk=entry.pk).status == "failed"
    assert settlement.status == "submitted" and _held(settlement) == (4, 6000)
    assert outbox_retry(entry=entry, actor=operator).status == "pending"


def test_the_register_hears_a_confirmation_once_however_often_it_is_told(submitted):
    from chain.outcomes import settlement_decided

    settlement, entry = submitted
    with transaction.atomic():
        settlement_decided(entry=entry, settled=True)
        settlement_decided(entry=entry, settled=True)

    settlement.refresh_from_db()
    assert settlement.status == "settled" and _held(settlement) == (0, 0)
    balances = dict(Position.objects.filter(security=settlement.security).values_list("wallet", "balance"))
    assert {w: int(b) for w, b in balances.items()} == {settlement.seller_wallet: 6, settlement.buyer_wallet: 4}
