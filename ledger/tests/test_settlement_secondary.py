"""A trade on the board settled by delivery versus payment: offer, accept, both parties
authorize (EIP-712), both legs held with one outbox action, then the chain's verdict moves
both legs or releases both. Refusals write nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.clock import business_today
from core.errors import ApplicationError
from core.models import OutboxEntry
from investors.models import InvestorProfile
from investors.tests.factories import VERIFIED_INVESTOR_KEY
from ledger.invariants import check_invariants
from ledger.models import Position, Settlement, TokenAction, TradeOffer
from ledger.selectors import register_positions
from ledger.services import (
    offer_accept,
    offer_create,
    offers_expire,
    security_pause,
    settlement_authorize,
    settlement_outcome,
    wallet_freeze,
    wallet_unfreeze,
)
from ledger.settlement_selectors import settlement_typed_data
from ledger.snapshots import replay

from .dvp import BUYER_KEY, STRANGER_KEY, balanced, sign, snapshot


def _position(security, wallet) -> Position:
    return Position.objects.get(security=security, wallet=wallet.address)


def _accepted(m, *, units=4, unit_price="1500", **delta) -> Settlement:
    offer = offer_create(security=m.bond, wallet=m.seller_wallet, units=units, unit_price=unit_price,
                         expires_at=m.later(**(delta or {"hours": 1})), actor=m.seller)
    return offer_accept(offer=offer, wallet=m.buyer_wallet, actor=m.buyer)


def _submitted(m, **kwargs) -> Settlement:
    settlement = _accepted(m, **kwargs)
    typed = settlement_typed_data(settlement)
    settlement_authorize(settlement=settlement, signature=sign(typed, VERIFIED_INVESTOR_KEY), actor=m.seller)
    return settlement_authorize(settlement=settlement, signature=sign(typed, BUYER_KEY), actor=m.buyer)


def _refused(code, fn, **kwargs) -> ApplicationError:
    before = snapshot()
    with pytest.raises(ApplicationError) as refused:
        fn(**kwargs)
    assert refused.value.code == code
    assert snapshot() == before
    return refused.value


def test_both_signatures_hold_both_legs_with_one_outbox_action(market):
    m = market
    settlement = _accepted(m)
    offer = TradeOffer.objects.get(settlement=settlement)
    assert (offer.status, int(offer.price), settlement.status) == ("accepted", 6000, "awaiting_authorization")
    typed = settlement_typed_data(settlement)
    assert typed["message"]["nonce"] == str(settlement.pk) and typed["message"]["price"] == "6000"
    settlement_authorize(settlement=settlement, signature=sign(typed, VERIFIED_INVESTOR_KEY), actor=m.seller)
    offer.refresh_from_db()
    assert offer.status == "authorized" and _position(m.bond, m.seller_wallet).held == 0
    settlement = settlement_authorize(settlement=settlement, signature=sign(typed, BUYER_KEY), actor=m.buyer)
    assert settlement.status == "submitted"
    seller_units, buyer_cash = _position(m.bond, m.seller_wallet), _position(m.cash, m.buyer_wallet)
    assert (int(seller_units.held), seller_units.free, int(buyer_cash.held), buyer_cash.free) == (4, 6, 6000, 4000)
    assert balanced()
    [entry] = OutboxEntry.objects.filter(kind="settlement.dvp")
    assert entry.payload["units"] == "4" and entry.payload["price"] == "6000"
    assert entry.payload["seller_signature"] == settlement.seller_signature
    assert TradeOffer.objects.get(pk=offer.pk).status == "submitted"
    assert check_invariants() == []


def test_settled_moves_both_legs_once(market):
    m = market
    settlement = _submitted(m)
    settlement_outcome(settlement_id=settlement.pk, settled=True)
    assert [(int(p.balance), int(p.held)) for p in (
        _position(m.bond, m.seller_wallet), _position(m.bond, m.buyer_wallet),
        _position(m.cash, m.buyer_wallet), _position(m.cash, m.seller_wallet))] == [(6, 0), (4, 0), (4000, 0),
                                                                                    (6000, 0)]
    legs = TokenAction.objects.filter(settlement=settlement).order_by("kind")
    assert [(a.kind, int(a.amount)) for a in legs] == [("dvp_delivery", 4), ("dvp_payment", 6000)]
    assert {a.outbox_id for a in legs} == {Settlement.objects.get(pk=settlement.pk).outbox_id}
    assert TradeOffer.objects.get(settlement=settlement).status == "settled"
    for security in (m.bond, m.cash):                  # the action log replays to the register
        replayed = {wallet: balance for wallet, (_i, balance, _f) in replay(security=security,
                                                                            as_of=business_today()).items()}
        assert replayed == {w: b for w, (b, _f) in register_positions(security=security).items() if b}
    before = snapshot()
    assert settlement_outcome(settlement_id=settlement.pk, settled=True) is None       # idempotent
    assert settlement_outcome(settlement_id=settlement.pk, settled=False, code="InvalidSignature") is None
    assert snapshot() == before
    assert check_invariants() == [] and balanced()


def test_failed_releases_both_legs_with_a_stable_code(market):
    m = market
    settlement = _submitted(m)
    settlement_outcome(settlement_id=settlement.pk, settled=False, code="SecurityLegRestricted(6)",
                       message="reverted")
    settlement.refresh_from_db()
    assert (settlement.status, settlement.failure_code) == ("failed", "security_leg_restricted")
    assert TradeOffer.objects.get(settlement=settlement).failure_code == "security_leg_restricted"
    assert [(int(p.balance), int(p.held)) for p in (_position(m.bond, m.seller_wallet),
                                                    _position(m.cash, m.buyer_wallet))] == [(10, 0), (10_000, 0)]
    assert not TokenAction.objects.filter(settlement=settlement).exists()
    assert check_invariants() == [] and balanced()


def test_signatures_by_another_key_over_other_terms_or_replayed_are_refused(market):
    m = market
    first = _submitted(m, units=1)
    settlement_outcome(settlement_id=first.pk, settled=True)
    second = _accepted(m, units=2)
    typed = settlement_typed_data(second)
    _refused("invalid_signature", settlement_authorize, settlement=second, signature=sign(typed, STRANGER_KEY),
             actor=m.buyer)
    _refused("invalid_signature", settlement_authorize, settlement=second,
             signature=first.buyer_signature, actor=m.buyer)          # another settlement's nonce: replay
    _refused("malformed_signature", settlement_authorize, settlement=second, signature="0x1234", actor=m.buyer)
    _refused("settlement_not_awaiting", settlement_authorize, settlement=first,
             signature=first.buyer_signature, actor=m.buyer)
    with pytest.raises(ApplicationError) as other:                       # not a party: 404
        settlement_authorize(settlement=second, signature=sign(typed, BUYER_KEY), actor=m.issuer_admin)
    assert other.value.status == 404


def test_refusals_at_submission_write_nothing(market, issuer_admin):
    m = market
    settlement = _accepted(m, units=4, unit_price="3000")                 # 12,000 > the buyer's 10,000
    typed = settlement_typed_data(settlement)
    settlement_authorize(settlement=settlement, signature=sign(typed, VERIFIED_INVESTOR_KEY), actor=m.seller)
    buyer_signs = {"settlement": settlement, "signature": sign(typed, BUYER_KEY), "actor": m.buyer}
    _refused("insufficient_cash", settlement_authorize, **buyer_signs)
    cheaper = _accepted(m, units=4)
    typed = settlement_typed_data(cheaper)
    settlement_authorize(settlement=cheaper, signature=sign(typed, VERIFIED_INVESTOR_KEY), actor=m.seller)
    buyer_signs = {"settlement": cheaper, "signature": sign(typed, BUYER_KEY), "actor": m.buyer}
    InvestorProfile.objects.filter(user=m.buyer).update(kyc_status=InvestorProfile.KycStatus.REJECTED)
    _refused("kyc_not_approved", settlement_authorize, **buyer_signs)
    InvestorProfile.objects.filter(user=m.buyer).update(kyc_status=InvestorProfile.KycStatus.APPROVED)
    wallet_freeze(security=m.bond, wallet=m.seller_wallet.address, actor=issuer_admin, reason="court order")
    _refused("from_frozen", settlement_authorize, **buyer_signs)
    wallet_unfreeze(security=m.bond, wallet=m.seller_wallet.address, actor=issuer_admin, reason="lifted")
    security_pause(security=m.cash, actor=issuer_admin, reason="incident")
    _refused("cash_paused", settlement_authorize, **buyer_signs)


def test_out_of_range_offers_are_refused(market):
    m = market
    ok = {"security": m.bond, "wallet": m.seller_wallet, "units": 1, "unit_price": "100",
          "expires_at": m.later(hours=1), "actor": m.seller}
    for code, change in [("invalid_amount", {"units": 0}), ("invalid_amount", {"units": "-1"}),
                         ("insufficient_free_balance", {"units": 11}), ("invalid_price", {"unit_price": "0"}),
                         ("invalid_price", {"unit_price": "1.5"}), ("invalid_price", {"unit_price": "NaN"}),
                         ("invalid_expiry", {"expires_at": m.later(seconds=-1)}),
                         ("invalid_expiry", {"expires_at": m.later(days=400)}),
                         ("not_tradable", {"security": m.cash, "wallet": m.buyer_wallet, "actor": m.buyer})]:
        _refused(code, offer_create, **{**ok, **change})


def test_expired_authorization_and_the_expiry_job(market):
    m = market
    settlement = _accepted(m, seconds=45)
    typed = settlement_typed_data(settlement)
    Settlement.objects.filter(pk=settlement.pk).update(deadline=timezone.now())  # the instant has come
    _refused("authorization_expired", settlement_authorize, settlement=settlement,
             signature=sign(typed, BUYER_KEY), actor=m.buyer)
    open_offer = offer_create(security=m.bond, wallet=m.seller_wallet, units=1, unit_price="100",
                              expires_at=m.later(hours=2), actor=m.seller)
    submitted = _submitted(m, units=2)
    assert offers_expire(now=m.later(minutes=90)) == 2          # the accepted offer and its settlement
    statuses = dict(TradeOffer.objects.values_list("pk", "status"))
    assert statuses[open_offer.pk] == "offered"
    assert TradeOffer.objects.get(settlement=settlement).status == "expired"
    assert Settlement.objects.get(pk=settlement.pk).status == "expired"
    assert Settlement.objects.get(pk=submitted.pk).status == "submitted"   # waits for the chain
    assert offers_expire(now=m.later(hours=3)) == 1 and TradeOffer.objects.get(pk=open_offer.pk).status == "expired"
