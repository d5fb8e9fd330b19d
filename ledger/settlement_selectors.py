"""Reads of delivery-versus-payment settlements and the trading board (ledger.models.settlement):
the EIP-712 instruction a party signs, who may see an offer or a settlement (404 for anyone
else: no IDOR oracle), a security's board, and the last trades of a security.

A board is shown only to investors eligible to hold the security (the rule engine's
check_eligibility); the parties of an offer always see it; compliance officers and operators
read every one."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.access import access_deny, is_staff_reader
from accounts.models import User
from compliance import rules
from compliance.selectors import investor_facts_for
from core.clock import business_today
from core.errors import ConflictError
from investors.authorization import delivery_typed_data
from investors.models import Wallet
from issuance.models import Security

from .models import Settlement, TradeOffer

#: Where the Settlement contract's EIP-712 domain and the token addresses come from (chain/,
#: reached only through settings: nothing imports chain).
DEFAULT_TERMS = "chain.selectors.settlement_terms"


def settlement_terms(security_ids: list[int]) -> dict:
    """{"domain": {...}, "tokens": {security id: address}} from settings.SETTLEMENT_TERMS;
    ConflictError settlement_unavailable when the contract or a token is not deployed."""
    terms = import_string(getattr(settings, "SETTLEMENT_TERMS", DEFAULT_TERMS))(list(security_ids))
    tokens = {int(k): v for k, v in terms["tokens"].items()}
    if any(pk not in tokens for pk in security_ids):
        raise ConflictError(_("Settlement is not available for this security yet."), code="settlement_unavailable")
    return {"domain": terms["domain"], "tokens": tokens}


def deadline_seconds(deadline: datetime) -> int:
    """The deadline as the contract reads it: unix seconds (block time)."""
    return int(deadline.timestamp())


def settlement_typed_data(settlement: Settlement) -> dict:
    """The eth_signTypedData_v4 JSON every party of `settlement` signs: the Delivery of the
    settlement contract with nonce = the settlement's id."""
    terms = settlement_terms([settlement.security_id, settlement.cash_id])
    delivery = {
        "security": terms["tokens"][settlement.security_id], "units": int(settlement.units),
        "seller": settlement.seller_wallet, "buyer": settlement.buyer_wallet,
        "cash": terms["tokens"][settlement.cash_id], "price": int(settlement.price),
        "nonce": settlement.nonce, "deadline": deadline_seconds(settlement.deadline),
    }
    return delivery_typed_data(terms["domain"], delivery)


def cash_security_for(currency: str) -> Security | None:
    """The cash token of `currency` (the trust bank's; the oldest if ever several)."""
    return Security.objects.filter(kind=Security.Kind.CASH, currency=currency).order_by("id").first()


def eligibility_verdict(user: User, security: Security) -> rules.Verdict:
    """May `user` hold `security` at all (KYC, country, investor type, accreditation)?"""
    facts = investor_facts_for(user=user)
    return rules.check_eligibility(investor=facts, rules=security.rules(), today=business_today())


def sees_board(user: User | None, security: Security) -> bool:
    if user is None or not user.is_authenticated or security.kind == Security.Kind.CASH:
        return False
    return is_staff_reader(user) or eligibility_verdict(user, security).allowed


def board_for(*, user: User, security: Security, now: datetime | None = None) -> QuerySet[TradeOffer]:
    """The open offers of `security`'s board (offered, not expired), cheapest first; 404 for
    a user who may not see the board."""
    if not sees_board(user, security):
        access_deny(user, object_type="issuance.security", object_id=security.pk, message=_("Not found."))
    now = now or timezone.now()
    return (TradeOffer.objects.filter(security=security, status=TradeOffer.Status.OFFERED, expires_at__gt=now)
            .select_related("security", "cash").order_by("unit_price", "id"))


def offers_of(*, user: User) -> QuerySet[TradeOffer]:
    """The offers `user` made or accepted, newest first."""
    return (TradeOffer.objects.filter(Q(seller=user) | Q(buyer=user))
            .select_related("security", "cash", "settlement").order_by("-id"))


def offer_get_for(*, user: User, pk: int) -> TradeOffer:
    """One offer, if `user` may see it: a party, a staff reader, or (while it is on the board)
    an investor eligible for the security. Else 404 (as for an id that does not exist)."""
    offer = TradeOffer.objects.select_related("security", "cash", "settlement").filter(pk=pk).first()
    if offer is not None and user is not None and user.is_authenticated:
        if user.pk in (offer.seller_id, offer.buyer_id) or is_staff_reader(user):
            return offer
        if offer.status == TradeOffer.Status.OFFERED and sees_board(user, offer.security):
            return offer
    access_deny(user, object_type="ledger.tradeoffer", object_id=pk, message=_("Not found."))


def settlement_get_for(*, user: User, pk: int) -> Settlement:
    """One settlement, for its parties and the staff readers; 404 for anyone else."""
    found = Settlement.objects.select_related("security", "cash", "subscription").filter(pk=pk).first()
    if found is not None and user is not None and user.is_authenticated:
        if user.pk in (found.seller_id, found.buyer_id) or is_staff_reader(user):
            return found
    access_deny(user, object_type="ledger.settlement", object_id=pk, message=_("Not found."))


def settlements_of(*, user: User) -> QuerySet[Settlement]:
    return (Settlement.objects.filter(Q(seller=user) | Q(buyer=user))
            .select_related("security", "cash").order_by("-id"))


def last_trades(*, security: Security, limit: int = 20) -> list[Settlement]:
    """The latest settled secondary trades of `security` (for its page and price chart), newest first."""
    return list(Settlement.objects.filter(security=security, kind=Settlement.Kind.SECONDARY,
                                          status=Settlement.Status.SETTLED)
                .select_related("offer").order_by("-decided_at", "-id")[:limit])


def wallet_of(*, user: User, address: str) -> Wallet | None:
    """`user`'s active wallet at `address` (EIP-55), if any."""
    return (Wallet.objects.select_related("profile__user")
            .filter(profile__user=user, address=address, status=Wallet.Status.ACTIVE).first())
