"""The investor's portfolio for their dashboard: what they hold with each security's terms and
its value, their cash, the next payments of the paying agent, and an allocation chart drawn on
the server as inline SVG (no JavaScript library).

Value = whole units x the latest price, in the price's currency, and the page says which price:
the last settled trade on the board when there is one, else the price of the security's latest
public offering. A security with neither has no value shown (never a guess). The reads are a
fixed number of queries however many securities the investor holds (servicing/tests/
test_portfolio.py counts them)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cash.selectors import CashBalance, balances_of
from core.money import Money, from_base_units
from issuance.models import Offering, Security
from issuance.selectors import PUBLIC_STATES
from ledger.models import Position, Settlement
from ledger.trade_selectors import trade_of

from .selectors_income import Upcoming, income_upcoming

#: The chart's bar, and the palette its segments cycle through (fill colours with enough
#: contrast against the page and each other).
WIDTH, BAR_HEIGHT = 480, 28
PALETTE = ("#1f6feb", "#d29922", "#2da44e", "#a371f7", "#e16f24", "#0598bc", "#bf3989", "#6e7781")
NEXT_PAYMENTS = 5


@dataclass(frozen=True)
class Price:
    amount: Decimal          # per whole unit
    currency: str
    source: str              # "trade" or "offering"
    on: date | None = None   # the trade's day

    @property
    def label(self) -> str:
        if self.source == "trade":
            return _("last trade on %(date)s") % {"date": self.on.isoformat() if self.on else "—"}
        return _("offering price")


@dataclass
class Holding:
    security: Security
    units: Decimal                       # whole units, all wallets
    wallets: list[str]
    price: Price | None = None
    share: Decimal = Decimal(0)          # percent of the portfolio's value in the same currency

    @property
    def value(self) -> Money | None:
        if self.price is None:
            return None
        return Money.rounded(self.units * self.price.amount, self.price.currency)


@dataclass(frozen=True)
class Segment:
    label: str
    value: Money
    percent: Decimal
    x: str
    width: str
    colour: str


@dataclass(frozen=True)
class AllocationChart:
    currency: str
    total: Money
    segments: list[Segment]
    width: int = WIDTH
    height: int = BAR_HEIGHT


@dataclass
class Portfolio:
    holdings: list[Holding]
    cash: list[CashBalance]
    upcoming: list[Upcoming]
    charts: list[AllocationChart] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.holdings and not any(c.balance for c in self.cash) and not self.upcoming

    @property
    def unpriced(self) -> list[Holding]:
        return [h for h in self.holdings if h.price is None]


def _prices(securities: dict[int, Security]) -> dict[int, Price]:
    """The latest price of each security: its last settled trade, else its latest public
    offering's price. Two queries (PostgreSQL DISTINCT ON), whatever the number of securities."""
    ids = list(securities)
    prices: dict[int, Price] = {}
    if not ids:
        return prices
    offerings = (Offering.objects.filter(security_id__in=ids, status__in=PUBLIC_STATES)
                 .order_by("security_id", "-id").distinct("security_id").only("security_id", "price", "currency"))
    for offering in offerings:
        prices[offering.security_id] = Price(offering.price, offering.currency, "offering")
    trades = (Settlement.objects.filter(security_id__in=ids, kind=Settlement.Kind.SECONDARY,
                                        status=Settlement.Status.SETTLED)
              .select_related("cash").order_by("security_id", "-decided_at", "-id").distinct("security_id"))
    for settlement in trades:
        settlement.security = securities[settlement.security_id]
        trade = trade_of(settlement)
        day = timezone.localdate(trade.at) if trade.at else None
        prices[settlement.security_id] = Price(trade.unit_price, trade.currency, "trade", day)
    return prices


def _holdings(user: User) -> list[Holding]:
    positions = (Position.objects.filter(investor=user, balance__gt=0).exclude(security__kind=Security.Kind.CASH)
                 .select_related("security__issuer").order_by("security__name", "security_id", "wallet"))
    by_security: dict[int, Holding] = {}
    for position in positions:
        security = position.security
        holding = by_security.setdefault(security.pk, Holding(security=security, units=Decimal(0), wallets=[]))
        holding.units += from_base_units(int(position.balance), security.decimals)
        holding.wallets.append(position.wallet)
    prices = _prices({pk: h.security for pk, h in by_security.items()})
    for pk, holding in by_security.items():
        holding.price = prices.get(pk)
    return list(by_security.values())


def _coord(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.1")))


def allocation_charts(holdings: list[Holding], cash: list[CashBalance]) -> list[AllocationChart]:
    """One bar per currency: each priced holding's (and the cash's) part of the value held in
    that currency. Also sets each holding's share in percent."""
    parts: dict[str, list[tuple[str, Decimal, Holding | None]]] = defaultdict(list)
    for holding in holdings:
        if holding.value is not None and holding.value.amount > 0:
            parts[holding.value.currency].append((holding.security.symbol, holding.value.amount, holding))
    cash_by_currency: dict[str, Decimal] = defaultdict(Decimal)
    for row in cash:
        cash_by_currency[row.currency] += row.balance
    for currency, amount in sorted(cash_by_currency.items()):
        if amount > 0:
            parts[currency].append((_("Cash"), amount, None))
    charts = []
    for currency in sorted(parts):
        total = sum((amount for _label, amount, _h in parts[currency]), Decimal(0))
        x, segments = Decimal(0), []
        for i, (label, amount, holding) in enumerate(parts[currency]):
            percent = (amount * 100 / total).quantize(Decimal("0.1"))
            width = Decimal(WIDTH) * amount / total
            if holding is not None:
                holding.share = percent
            segments.append(Segment(label, Money.rounded(amount, currency), percent, _coord(x), _coord(width),
                                    PALETTE[i % len(PALETTE)]))
            x += width
        charts.append(AllocationChart(currency=currency, total=Money.rounded(total, currency), segments=segments))
    return charts


def portfolio_of(*, user: User) -> Portfolio:
    """`user`'s own portfolio (the dashboard passes request.user: nobody reads another's)."""
    holdings = _holdings(user)
    cash = balances_of(holder=user)
    upcoming = income_upcoming(investor=user, limit=NEXT_PAYMENTS)
    portfolio = Portfolio(holdings=holdings, cash=cash, upcoming=upcoming)
    portfolio.charts = allocation_charts(holdings, cash)
    return portfolio
