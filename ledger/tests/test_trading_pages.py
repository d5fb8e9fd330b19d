"""The browser side of delivery versus payment: the board (offer form, offers, last trades and
the price chart), the offer page's pre-check and accept, the authorize page (pasted signature,
the injected wallet's typed data, the trust bank's confirm button), and who sees what (404 for
anyone who may not see the object). Terms come from ledger/tests/dvp.py (no chain needed)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from core.models import AuditEvent
from investors.custody import custody_wallet_create
from investors.tests.factories import VERIFIED_INVESTOR_KEY
from issuance.tests.factories import SubscriptionFactory
from ledger.models import Settlement, TradeOffer
from ledger.services import offer_accept, offer_create, settlement_authorize, settlement_outcome, tokens_issue
from ledger.settlement_selectors import settlement_typed_data

from .dvp import BUYER_KEY, STRANGER_KEY, TREASURY_KEY, investor_with_key, sign, snapshot
from .factories import approved_investor


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _expiry(hours: int = 2) -> str:
    return timezone.localtime(timezone.now() + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def _accepted(m, *, units=4, unit_price="1500", buyer_wallet=None) -> Settlement:
    offer = offer_create(security=m.bond, wallet=m.seller_wallet, units=units, unit_price=unit_price,
                         expires_at=timezone.now() + dt.timedelta(hours=1), actor=m.seller)
    return offer_accept(offer=offer, wallet=buyer_wallet or m.buyer_wallet, actor=m.buyer)


def test_seller_puts_an_offer_on_the_board_and_bad_input_shows_in_the_page(market):
    m = market
    seller = _as(m.seller)
    url = reverse("ledger:board", args=[m.bond.pk])
    page = seller.get(url).content.decode()
    assert 'data-testid="offer-form"' in page and "No trades yet." in page
    valid = {"wallet": m.seller_wallet.address, "units": "3", "unit_price": "1500", "expires_at": _expiry()}
    before = snapshot()
    for bad in ({"units": "abc"}, {"units": "50"}, {"unit_price": "0"}, {"expires_at": "2020-01-01T00:00"},
                {"wallet": m.buyer_wallet.address}):
        response = seller.post(url, {**valid, **bad})
        assert response.status_code == 400 and 'class="errorlist"' in response.content.decode(), bad
    assert snapshot() == before
    response = seller.post(url, valid)
    offer = TradeOffer.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ledger:offer", args=[offer.pk])
    assert (int(offer.units), int(offer.price), offer.status) == (3, 4500, "offered")
    board = _as(m.buyer).get(url).content.decode()
    assert reverse("ledger:offer", args=[offer.pk]) in board and "Check and buy" in board
    assert "<td>1500 JPY</td>" in board                       # the price as JPY counts it
    assert 'data-testid="offer-form"' not in board          # the buyer holds no units to offer
    response = _as(m.buyer).post(url, valid, follow=True)
    assert "You hold no units of this security to offer." in response.content.decode()
    assert TradeOffer.objects.count() == 1


def test_buyer_sees_the_precheck_then_accepts_and_gets_the_authorize_page(market):
    m = market
    offer = offer_create(security=m.bond, wallet=m.seller_wallet, units=4, unit_price="3000",
                         expires_at=timezone.now() + dt.timedelta(hours=1), actor=m.seller)
    buyer = _as(m.buyer)
    page = buyer.get(reverse("ledger:offer", args=[offer.pk])).content.decode()
    assert re.search(r'data-testid="precheck-transferable">10<', page)
    assert re.search(r'data-testid="precheck-cash">10,000 JPY', page) and "12,000 JPY" in page
    assert "insufficient_cash" in page and 'data-testid="precheck-refused"' in page     # 12,000 > 10,000
    response = buyer.post(reverse("ledger:offer", args=[offer.pk]), {"wallet": m.seller_wallet.address})
    assert response.status_code == 400 and 'class="errorlist"' in response.content.decode()
    response = buyer.post(reverse("ledger:offer", args=[offer.pk]), {"wallet": m.buyer_wallet.address})
    settlement = Settlement.objects.get()
    assert response["Location"] == reverse("ledger:settlement", args=[settlement.pk])
    page = buyer.get(response["Location"]).content.decode()
    assert f"You pay 12,000 JPY in the cash token JPYTC from your wallet {m.buyer_wallet.address}" in page
    assert re.search(rf'data-testid="nonce">{settlement.pk}<', page)
    typed = json.loads(re.search(r'<script id="typed-data" type="application/json">(.*?)</script>', page,
                                 re.S).group(1))
    assert typed == settlement_typed_data(settlement)
    assert "js/authorize.js" in page and 'name="signature"' in page and "Sign with your wallet" in page


def test_pasted_signatures_authorize_and_a_wrong_key_is_shown_in_the_page(market):
    m = market
    settlement = _accepted(m)
    typed = settlement_typed_data(settlement)
    url = reverse("ledger:settlement", args=[settlement.pk])
    seller = _as(m.seller)
    listed = seller.get(reverse("ledger:boards")).content.decode()          # where the seller finds it
    assert f'href="{url}">Authorize</a>' in listed
    assert seller.post(url, {"signature": sign(typed, VERIFIED_INVESTOR_KEY)}).status_code == 302
    page = seller.get(url).content.decode()
    assert 'data-status="awaiting_authorization"' in page and 'name="signature"' not in page
    buyer = _as(m.buyer)
    for bad in (sign(typed, STRANGER_KEY), "0x1234", "x" * 500):
        response = buyer.post(url, {"signature": bad})
        assert response.status_code == 400 and 'class="errorlist"' in response.content.decode()
    assert Settlement.objects.get(pk=settlement.pk).buyer_signature == ""
    buyer.post(url, {"signature": sign(typed, BUYER_KEY)})
    page = buyer.get(reverse("ledger:offer", args=[settlement.offer.pk])).content.decode()
    assert 'data-status="submitted"' in page
    holdings = seller.get(reverse("ledger:holdings")).content.decode()
    assert '<td data-testid="held">4</td>' in holdings                   # the units promised to the trade
    with transaction.atomic():
        settlement_outcome(settlement_id=settlement.pk, settled=False, code="CashLegRestricted(4)", message="paused")
    page = buyer.get(url).content.decode()
    assert 'data-status="failed"' in page and 'data-testid="failure-code">cash_leg_restricted<' in page


def test_a_wallet_the_trust_bank_keeps_is_authorized_with_a_confirm_button(market):
    m = market
    kept = custody_wallet_create(profile=m.buyer.investor_profile, actor=m.buyer)
    tokens_issue(security=m.cash, wallet=kept, amount=10_000, actor=m.issuer_admin, reason="")
    settlement = _accepted(m, buyer_wallet=kept)
    settlement_authorize(settlement=settlement, signature=sign(settlement_typed_data(settlement),
                                                               VERIFIED_INVESTOR_KEY), actor=m.seller)
    buyer = _as(m.buyer)
    page = buyer.get(reverse("ledger:settlement", args=[settlement.pk])).content.decode()
    assert 'data-testid="confirm-custodied"' in page and 'name="signature"' not in page
    buyer.post(reverse("ledger:settlement-confirm", args=[settlement.pk]))
    settlement.refresh_from_db()
    assert settlement.status == "submitted" and settlement.buyer_signature


def test_settled_trades_show_on_the_board_and_in_the_cap_table(market, login_verified):
    m = market
    for price in ("1500", "1800"):
        settlement = _accepted(m, units=2, unit_price=price)
        typed = settlement_typed_data(settlement)
        settlement_authorize(settlement=settlement, signature=sign(typed, VERIFIED_INVESTOR_KEY), actor=m.seller)
        settlement_authorize(settlement=settlement, signature=sign(typed, BUYER_KEY), actor=m.buyer)
        with transaction.atomic():
            settlement_outcome(settlement_id=settlement.pk, settled=True)
    board = _as(m.buyer).get(reverse("ledger:board", args=[m.bond.pk])).content.decode()
    assert board.count('data-testid="trade"') == 2 and "<polyline" in board
    assert "low 1500, high 1800, last 1800 JPY" in board
    cap = login_verified(m.issuer_admin).get(reverse("ledger:cap-table", args=[m.bond.pk])).content.decode()
    assert cap.count('data-testid="trade"') == 2 and "Delivery against payment" in cap


def test_who_sees_the_board_an_offer_and_a_settlement(market, issuer_admin, unverified_investor, outsider,
                                                       compliance_officer, login_verified):
    m = market
    settlement = _accepted(m)
    third, _ = approved_investor(email="third@example.test")
    offer_url = reverse("ledger:offer", args=[settlement.offer.pk])
    settlement_url = reverse("ledger:settlement", args=[settlement.pk])
    board_url = reverse("ledger:board", args=[m.bond.pk])
    assert _as(third).get(board_url).status_code == 200                   # eligible: sees the board
    assert _as(third).get(offer_url).status_code == 404                   # taken: only its parties
    assert _as(third).get(settlement_url).status_code == 404
    assert _as(third).post(settlement_url, {"signature": "0x" + "1" * 130}).status_code == 404
    assert _as(unverified_investor).get(board_url).status_code == 404      # not eligible
    assert login_verified(issuer_admin).get(board_url).status_code == 404  # the issuer's staff: the cap table
    response = login_verified(issuer_admin).get(reverse("ledger:boards"))   # an investor's page: not for the role
    assert response.status_code == 403 and "not_an_investor" in response.content.decode()
    assert _as(third).get(reverse("ledger:board", args=[m.cash.pk])).status_code == 404
    assert _as(third).get(reverse("ledger:board", args=[10**6])).status_code == 404
    assert AuditEvent.objects.filter(action="access_denied", actor=third).count() == 5
    assert login_verified(compliance_officer).get(settlement_url).status_code == 200   # reads every one
    assert _as(m.seller).post(reverse("ledger:offer-cancel", args=[settlement.offer.pk])).status_code == 302
    assert TradeOffer.objects.get(pk=settlement.offer.pk).status == "cancelled"
    page = _as(m.buyer).get(settlement_url).content.decode()
    assert 'data-status="cancelled"' in page and 'name="signature"' not in page


def test_the_board_offer_and_settlement_pages_in_japanese(market):
    settlement = _accepted(market)
    client = _as(market.seller)
    client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    page = client.get(reverse("ledger:boards")).content.decode()
    assert '<html lang="ja">' in page and "取引板" in page and "あなたの決済" in page
    page = client.get(reverse("ledger:board", args=[market.bond.pk])).content.decode()
    assert "直近の約定" in page and "売り注文を出す" in page
    page = client.get(reverse("ledger:settlement", args=[settlement.pk])).content.decode()
    seller, buyer = market.seller_wallet.address, market.buyer_wallet.address
    assert f"あなたのウォレット {seller} からウォレット {buyer} へ 4 SGB31" in page
    assert "ウォレットで署名する" in page
    page = client.get(reverse("ledger:offer", args=[settlement.offer.pk])).content.decode()
    assert "決済を開く" in page


def test_paying_a_dvp_subscription_in_the_cash_token(market, offering, outsider):
    m = market
    treasury, treasury_wallet = investor_with_key("treasury@example.test", TREASURY_KEY, role=Role.TREASURY)
    offering.security.issuer.treasury = treasury
    offering.security.issuer.save(update_fields=["treasury"])
    offering.settlement_mode = "dvp"
    offering.save(update_fields=["settlement_mode"])
    sub = SubscriptionFactory(offering=offering, investor=m.buyer, units=5, amount=Decimal("5000"), status="signed")
    buyer = _as(m.buyer)
    page = buyer.get(reverse("issuance:my-subscription", args=[sub.pk])).content.decode()
    url = reverse("ledger:subscription-pay", args=[sub.pk])
    assert url in page and 'data-testid="payment-instructions"' not in page
    page = buyer.get(url).content.decode()
    assert f"<code>{m.buyer_wallet.address}</code> · cash available: 10000 JPY" in page
    response = buyer.post(url, {"wallet": treasury_wallet.address})
    assert response.status_code == 400 and 'class="errorlist"' in response.content.decode()
    assert not Settlement.objects.exists()
    response = buyer.post(url, {"wallet": m.buyer_wallet.address})
    settlement = Settlement.objects.get(subscription=sub)
    assert response["Location"] == reverse("ledger:settlement", args=[settlement.pk])
    page = buyer.get(response["Location"]).content.decode()
    assert f"to the issuer's treasury wallet {treasury_wallet.address}" in page
    assert "5 SGB31 are issued to your wallet" in page
    buyer.post(response["Location"], {"signature": sign(settlement_typed_data(settlement), BUYER_KEY)})
    assert Settlement.objects.get(pk=settlement.pk).status == "submitted"
    assert _as(outsider).get(url).status_code == 404
