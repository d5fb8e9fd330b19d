"""The trading board: investors' offers of units at a price until an instant, the buyer's
pre-check, acceptance (a secondary Settlement both parties authorize), cancellation and the
expiry job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from accounts.models import User
from investors.models import Wallet
from issuance.models import Security

from ..models import Settlement, TradeOffer


@dataclass(frozen=True)
class Precheck:
    ok: bool
    code: str
    message: str
    seller_transferable: int
    buyer_cash: int
    price: int


def offer_create(*, security: Security, wallet: Wallet, units: object, unit_price: object, expires_at: datetime,
                 actor: User) -> TradeOffer:
    raise NotImplementedError


def offer_cancel(*, offer: TradeOffer, actor: User) -> TradeOffer:
    raise NotImplementedError


def offer_precheck(*, offer: TradeOffer, buyer: User, wallet: Wallet) -> Precheck:
    raise NotImplementedError


def offer_accept(*, offer: TradeOffer, wallet: Wallet, actor: User) -> Settlement:
    raise NotImplementedError


def offers_expire(*, now: datetime | None = None) -> int:
    raise NotImplementedError
