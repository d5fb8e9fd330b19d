"""The price chart of a security's settled trades, drawn on the server as inline SVG (no
JavaScript library): one point per trade in the order they settled, the price per unit on a
vertical scale from the lowest to the highest price. Coordinates are for drawing only; the
prices shown as text are the register's Decimals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .trade_selectors import Trade

WIDTH = 480
HEIGHT = 160
PAD = 12


@dataclass(frozen=True)
class PriceChart:
    width: int
    height: int
    points: str                                    # "x,y x,y ..." for <polyline>
    dots: list[tuple[str, str, Trade]]             # (x, y, trade) for <circle> with a <title>
    low: Decimal
    high: Decimal
    last: Decimal
    currency: str


def _coord(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.1")))


def price_chart(trades: list[Trade]) -> PriceChart | None:
    """The chart of these trades (oldest first), or None without any."""
    if not trades:
        return None
    prices = [t.unit_price for t in trades]
    low, high = min(prices), max(prices)
    span = high - low
    inner_w, inner_h = Decimal(WIDTH - 2 * PAD), Decimal(HEIGHT - 2 * PAD)
    step = inner_w / (len(trades) - 1) if len(trades) > 1 else Decimal(0)
    dots = []
    for i, trade in enumerate(trades):
        x = PAD + (step * i if len(trades) > 1 else inner_w / 2)
        y = PAD + (inner_h / 2 if not span else inner_h * (high - trade.unit_price) / span)
        dots.append((_coord(x), _coord(y), trade))
    return PriceChart(width=WIDTH, height=HEIGHT, points=" ".join(f"{x},{y}" for x, y, _ in dots), dots=dots,
                      low=low, high=high, last=prices[-1], currency=trades[-1].currency)
