"""Reads the board and settlement pages add to ledger.settlement_selectors (which decides who
sees a board, an offer or a settlement): the boards an investor may open, the cash each of
their wallets may spend now, and a security's settled trades as prices per unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import access_deny
from accounts.models import User
from core.money import from_base_units
from investors.models import Wallet
from issuance.models import Security, Subscription

from .models import Position, Settlement, TradeOffer
from .settlement_selectors import last_trades, sees_board


def board_securities_for(*, user: User) -> list[tuple[Security, int]]:
    """(security, offers on the board now) for the boards `user` may open: the securities
    with an open offer and the ones the user holds, by name."""
    now = timezone.now()
    open_offers = TradeOffer.objects.filter(status=TradeOffer.Status.OFFERED, expires_at__gt=now)
    ids = set(open_offers.values_list("security_id", flat=True))
    ids |= set(Position.objects.filter(investor=user, balance__gt=0).values_list("security_id", flat=True))
    rows = []
    for security in (Security.objects.filter(pk__in=ids).exclude(kind=Security.Kind.CASH)
                     .select_related("issuer").order_by("name", "id")):
        if sees_board(user, security):
            rows.append((security, open_offers.filter(security=security).count()))
    return rows


def board_security_get(*, user: User, pk: int) -> Security:
    """The security whose board is asked for; whether `user` may see the board is
    settlement_selectors.board_for's answer (404 either way)."""
    security = Security.objects.select_related("issuer").filter(pk=pk).first()
    if security is None:
        access_deny(user, object_type="issuance.security", object_id=pk, message=_("Not found."))
    return security


def seller_wallets(*, user: User, security: Security) -> list[Wallet]:
    """The investor's active wallets that hold units of the security (what they may offer)."""
    held = set(Position.objects.filter(security=security, investor=user, balance__gt=0)
               .values_list("wallet", flat=True))
    return [w for w in wallets_of(user=user) if w.address in held]


def offer_of(*, settlement: Settlement) -> TradeOffer | None:
    """The board's offer a secondary settlement came from (None for a primary)."""
    return TradeOffer.objects.filter(settlement=settlement).first()


def settlements_of_subscription(*, subscription: Subscription) -> list[Settlement]:
    """The DvP settlements that paid (or tried to pay) a subscription, newest first."""
    return list(Settlement.objects.filter(subscription=subscription).order_by("-id"))


def wallets_of(*, user: User) -> list[Wallet]:
    """The investor's active wallets, oldest first."""
    return list(Wallet.objects.filter(profile__user=user, status=Wallet.Status.ACTIVE).order_by("id"))


def cash_free_by_wallet(*, cash: Security | None, wallets: list[Wallet]) -> dict[str, Decimal]:
    """Wallet address -> the cash it may spend now (free balance), in the currency."""
    found = {}
    if cash is not None:
        for position in Position.objects.filter(security=cash, wallet__in=[w.address for w in wallets]):
            found[position.wallet] = from_base_units(position.free, cash.decimals)
    return {w.address: found.get(w.address, Decimal(0)) for w in wallets}


def units_of(security: Security, base_units) -> Decimal:
    return from_base_units(int(base_units), security.decimals)


@dataclass(frozen=True)
class Trade:
    at: datetime
    units: Decimal           # whole units of the security
    unit_price: Decimal      # per whole unit, in the currency
    total: Decimal           # in the currency
    currency: str


def trade_of(settlement: Settlement) -> Trade:
    units = units_of(settlement.security, settlement.units)
    total = from_base_units(int(settlement.price), settlement.cash.decimals)
    unit_price = (total / units).quantize(Decimal(1).scaleb(-settlement.cash.decimals)) if units else Decimal(0)
    return Trade(at=settlement.decided_at or settlement.created_at, units=units, unit_price=unit_price, total=total,
                 currency=settlement.cash.currency)


def trades_of_security(*, security: Security, limit: int = 20) -> list[Trade]:
    """The security's last settled trades on the board, oldest first."""
    rows = last_trades(security=security, limit=limit)
    for settlement in rows:
        settlement.security = security
    cash = {s.pk: s for s in Security.objects.filter(pk__in={s.cash_id for s in rows})}
    for settlement in rows:
        settlement.cash = cash[settlement.cash_id]
    return [trade_of(s) for s in reversed(rows)]
