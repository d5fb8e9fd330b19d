"""The trading board: investors' offers of units at a price until an instant, the buyer's
pre-check, acceptance (a secondary Settlement both parties authorize), cancellation and the
expiry job. An offer holds nothing: the units and the cash are held only when both parties
authorized (ledger/services/settlement.py), and checked again then."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import access_deny
from accounts.models import Role, User
from compliance import rules
from compliance.codes import describe
from core.audit import audit_record
from core.clock import business_today
from core.errors import ApplicationError, ConflictError
from core.lifecycle import transition, transition_many
from core.money import MINOR_UNITS, Money, from_base_units, to_base_units
from investors.models import Wallet
from issuance.models import Security

from ..facts import facts_for, holding_for, rules_for
from ..models import ControlBook, Position, Settlement, TradeOffer
from ..settlement_selectors import cash_security_for
from .settlement import margin
from .validation import clean_address, clean_amount, redeeming_refuse

MAX_UNIT_PRICE = Decimal("1e15")


@dataclass(frozen=True)
class Precheck:
    """What a buyer sees before accepting: their eligibility (the rule engine's code and
    message), what the seller can transfer now, the buyer's free cash and the price."""

    ok: bool
    code: str
    message: str
    seller_transferable: int
    buyer_cash: int
    price: int


def _offer_window() -> timedelta:
    return timedelta(seconds=getattr(settings, "BOARD_OFFER_MAX_SECONDS", 30 * 24 * 3600))


def _invalid(field: str, message: str, code: str) -> ApplicationError:
    return ApplicationError(message, code=code, fields={field: [message]})


def _own_wallet(actor: User, wallet: Wallet | None) -> Wallet:
    found = (Wallet.objects.filter(pk=getattr(wallet, "pk", None), profile__user=actor, status=Wallet.Status.ACTIVE)
             .first())
    if found is None:
        raise _invalid("wallet", _("Choose one of your active wallets."), "wallet_not_investors")
    return found


def _unit_price(value: object, currency: str) -> Decimal:
    try:
        money = Money(value if isinstance(value, Decimal) else Decimal(str(value).strip()), currency)
    except (ApplicationError, InvalidOperation, TypeError, ValueError):
        money = None
    if money is None or money.amount <= 0 or money.amount >= MAX_UNIT_PRICE:
        raise _invalid("unit_price", _("The price per unit must be a positive amount in %(currency)s "
                                       "with at most %(digits)s decimals.")
                       % {"currency": currency, "digits": MINOR_UNITS.get(currency, 0)}, "invalid_price")
    return money.amount


def offer_price(*, security: Security, cash: Security, units: int, unit_price: Decimal) -> int:
    """The whole price in the cash token's base units: the price per whole unit times the
    units (security.decimals), rounded half-even to the currency's minor unit."""
    total = Money.rounded(unit_price * from_base_units(units, security.decimals), cash.currency)
    return to_base_units(total.amount, cash.decimals)


@transaction.atomic(durable=True)
def offer_create(*, security: Security, wallet: Wallet, units: object, unit_price: object, expires_at: datetime,
                 actor: User, currency: str | None = None) -> TradeOffer:
    """An investor offers `units` (base units) of `security` from their `wallet` at
    `unit_price` per whole unit until `expires_at` (an instant, in the future and at most
    settings.BOARD_OFFER_MAX_SECONDS away). Refused: a cash token (not_tradable), no cash token
    for the currency (cash_token_unavailable), more units than the wallet's free balance
    (insufficient_free_balance), a price that is not positive or rounds to nothing
    (invalid_price), a bad expiry (invalid_expiry)."""
    if actor is None or not actor.is_authenticated or actor.role != Role.INVESTOR:
        access_deny(actor, object_type="issuance.security", object_id=security.pk, message=_("Not found."))
    security = Security.objects.get(pk=security.pk)
    if security.kind == Security.Kind.CASH:
        raise ApplicationError(_("Cash tokens are not traded on the board."), code="not_tradable")
    redeeming_refuse(security)
    own = _own_wallet(actor, wallet)
    address = clean_address(own.address)
    value = clean_amount(units, field="units")
    currency = currency or security.currency
    cash = cash_security_for(currency)
    if cash is None:
        raise ConflictError(_("There is no cash token for %(currency)s yet.") % {"currency": currency},
                            code="cash_token_unavailable")
    price_each = _unit_price(unit_price, currency)
    price = offer_price(security=security, cash=cash, units=value, unit_price=price_each)
    if price <= 0:
        raise _invalid("unit_price", _("The total price rounds to nothing."), "invalid_price")
    now = timezone.now()
    if not isinstance(expires_at, datetime) or timezone.is_naive(expires_at) or expires_at <= now + margin():
        raise _invalid("expires_at", _("The offer must expire in the future."), "invalid_expiry")
    if expires_at > now + _offer_window():
        raise _invalid("expires_at", _("The offer may stay on the board for %(days)s days at most.")
                       % {"days": _offer_window().days}, "invalid_expiry")
    position = Position.objects.filter(security=security, wallet=address, investor=actor).first()
    free = position.free if position is not None else 0
    if value > free:
        raise _invalid("units", _("Your wallet holds %(free)s free units of this security.") % {"free": free},
                       "insufficient_free_balance")
    offer = TradeOffer.objects.create(security=security, cash=cash, seller=actor, seller_wallet=address, units=value,
                                      unit_price=price_each, currency=currency, price=price, expires_at=expires_at)
    audit_record(action="tradeoffer.offered", actor=actor, obj=offer,
                 new={"security": security.pk, "wallet": address, "units": str(value), "unit_price": str(price_each),
                      "currency": currency, "price": str(price), "expires_at": expires_at.isoformat()})
    return offer


def _locked_offer(offer: TradeOffer) -> TradeOffer | None:
    return (TradeOffer.objects.select_for_update(of=("self",)).select_related("security", "cash", "settlement")
            .filter(pk=offer.pk).first())


@transaction.atomic(durable=True)
def offer_cancel(*, offer: TradeOffer, actor: User) -> TradeOffer:
    """The seller takes the offer back while nothing is held (offered, accepted or authorized
    by one party); an accepted offer's settlement is cancelled with it. Others: 404."""
    offer = _locked_offer(offer)
    if offer is None or actor is None or offer.seller_id != actor.pk:
        access_deny(actor, object_type="ledger.tradeoffer", object_id=getattr(offer, "pk", ""),
                    message=_("Not found."))
    if offer.status not in TradeOffer.CANCELLABLE:
        raise ConflictError(_("This offer can no longer be cancelled (%(status)s).")
                            % {"status": offer.get_status_display()}, code="not_cancellable")
    if offer.settlement_id is not None:
        settlement = Settlement.objects.select_for_update().get(pk=offer.settlement_id)
        transition(settlement, to=Settlement.Status.CANCELLED, actor=actor, reason="offer cancelled")
    return transition(offer, to=TradeOffer.Status.CANCELLED, actor=actor)


def _cash_free(cash: Security, wallet: str) -> int:
    position = Position.objects.filter(security=cash, wallet=wallet).first()
    return position.free if position is not None else 0


def offer_precheck(*, offer: TradeOffer, buyer: User, wallet: Wallet) -> Precheck:
    """Read-only: may `buyer` take this offer with `wallet` now? The rule engine's verdict on
    the transfer (eligibility, KYC, holding limits; as the contract checks it), the seller's
    transferable-now amount, the buyer's free cash in the offer's cash token."""
    own = _own_wallet(buyer, wallet)
    address = clean_address(own.address)
    security = offer.security
    book = ControlBook.objects.filter(security=security).first() or ControlBook(security=security)
    seller_position = Position.objects.filter(security=security, wallet=offer.seller_wallet).first()
    buyer_position = Position.objects.filter(security=security, wallet=address).first()
    seller_facts = facts_for(offer.seller, offer.seller_wallet, seller_position)
    security_rules = rules_for(security, book, seller_position)
    seller_holding = holding_for(security, offer.seller, seller_position)
    today = business_today()
    transferable, _blockers = rules.transferable_now(sender=seller_facts, rules=security_rules,
                                                     sender_holding=seller_holding, today=today)
    verdict = rules.check_transfer(
        sender=seller_facts, receiver=facts_for(buyer, address, buyer_position), rules=security_rules,
        sender_holding=seller_holding, receiver_holding=holding_for(security, buyer, buyer_position),
        amount=int(offer.units), today=today)
    cash = _cash_free(offer.cash, address)
    code, message = verdict.reason, describe(verdict.code)
    ok = verdict.allowed and cash >= int(offer.price) and buyer.pk != offer.seller_id
    if verdict.allowed and cash < int(offer.price):
        code, message = "insufficient_cash", _("Your wallet does not hold enough free cash for the price.")
    if buyer.pk == offer.seller_id:
        code, message = "own_offer", _("This is your own offer.")
    return Precheck(ok=ok, code=code, message=str(message), seller_transferable=int(transferable), buyer_cash=cash,
                    price=int(offer.price))


@transaction.atomic(durable=True)
def offer_accept(*, offer: TradeOffer, wallet: Wallet, actor: User) -> Settlement:
    """The buyer takes the whole offer with `wallet`: a secondary Settlement awaiting both
    signatures, deadline = the offer's expiry. Refused: the seller's own offer (own_offer),
    an offer no longer open (not_offered) or about to expire (offer_expired), a buyer the
    rule engine refuses (its code). Balances are checked again when both have signed."""
    offer = _locked_offer(offer)
    if offer is None:
        access_deny(actor, object_type="ledger.tradeoffer", object_id="", message=_("Not found."))
    own = _own_wallet(actor, wallet)
    if offer.seller_id == actor.pk:
        raise ConflictError(_("This is your own offer."), code="own_offer")
    if offer.status != TradeOffer.Status.OFFERED:
        raise ConflictError(_("This offer is no longer open."), code="not_offered")
    if offer.expires_at <= timezone.now() + margin():
        raise ConflictError(_("This offer has expired."), code="offer_expired")
    redeeming_refuse(offer.security)
    check = offer_precheck(offer=offer, buyer=actor, wallet=own)
    if not check.ok and check.code != "insufficient_cash":
        raise ApplicationError(check.message, code=check.code)
    address = clean_address(own.address)
    settlement = Settlement.objects.create(
        kind=Settlement.Kind.SECONDARY, security=offer.security, cash=offer.cash, units=offer.units, price=offer.price,
        seller_id=offer.seller_id, seller_wallet=offer.seller_wallet, buyer=actor, buyer_wallet=address,
        deadline=offer.expires_at, created_by=actor)
    audit_record(action="settlement.created", actor=actor, obj=settlement,
                 new={"kind": settlement.kind, "offer": offer.pk, "units": str(offer.units),
                      "price": str(offer.price), "deadline": offer.expires_at.isoformat()})
    transition_many([offer], to=TradeOffer.Status.ACCEPTED, actor=actor,
                    also={"buyer": actor, "buyer_wallet": address, "settlement": settlement})
    return settlement


@transaction.atomic(durable=True)
def offers_expire(*, now: datetime | None = None) -> int:
    """The expiry job: offers and settlements awaiting authorization whose instant has passed
    become expired (an accepted offer's settlement with it). Submitted ones wait for the
    chain (the contract refuses a late delivery itself). Returns how many offers and
    settlements expired."""
    now = now or timezone.now()
    settlements = list(Settlement.objects.select_for_update(skip_locked=True).filter(
        status=Settlement.Status.AWAITING_AUTHORIZATION, deadline__lte=now).order_by("pk"))
    transition_many(settlements, to=Settlement.Status.EXPIRED, actor=None, reason="deadline passed")
    offers = list(TradeOffer.objects.select_for_update(skip_locked=True).filter(
        status__in=[TradeOffer.Status.OFFERED, TradeOffer.Status.ACCEPTED, TradeOffer.Status.AUTHORIZED],
        expires_at__lte=now).order_by("pk"))
    transition_many(offers, to=TradeOffer.Status.EXPIRED, actor=None, reason="expired")
    return len(settlements) + len(offers)

