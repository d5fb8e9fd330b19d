"""The price chart's geometry (ledger/charts.py): the highest price at the top, the lowest at the
bottom, trades evenly spaced in the order they settled; one trade or one price sits mid-height."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ledger.charts import HEIGHT, PAD, WIDTH, price_chart
from ledger.trade_selectors import Trade

AT = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def _trade(price: str) -> Trade:
    return Trade(at=AT, units=Decimal(1), unit_price=Decimal(price), total=Decimal(price), currency="JPY")


def test_no_trades_no_chart():
    assert price_chart([]) is None


def test_highest_on_top_lowest_at_the_bottom_evenly_spaced():
    chart = price_chart([_trade("100"), _trade("150"), _trade("120")])
    assert [(x, y) for x, y, _ in chart.dots] == [
        (f"{PAD}.0", f"{HEIGHT - PAD}.0"), (f"{WIDTH // 2}.0", f"{PAD}.0"), (f"{WIDTH - PAD}.0", "93.6")]
    assert (chart.low, chart.high, chart.last) == (Decimal(100), Decimal(150), Decimal(120))
    assert chart.points == " ".join(f"{x},{y}" for x, y, _ in chart.dots)


def test_one_price_sits_mid_height():
    chart = price_chart([_trade("100")])
    assert [(x, y) for x, y, _ in chart.dots] == [(f"{WIDTH // 2}.0", f"{HEIGHT // 2}.0")]
