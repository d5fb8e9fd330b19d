"""Sanctions screening: normalized, order-insensitive name matching with a birth-year check.

A name matches an entry when their token sets are equal, or when the sorted-token strings
are at least MATCH_RATIO similar (catches transliteration and typo variants such as
"Ivan Sidorenko" vs "Iwan Sidorenko"); a known birth year on both sides must agree within
one year. Pure functions; the list itself lives in SanctionsEntry.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

MATCH_RATIO = 0.88
_NON_WORD = re.compile(r"[^a-z0-9 ]+")
_STOP = {"mr", "mrs", "ms", "dr", "ltd", "llc", "inc", "co", "kk", "fze", "the"}


def normalize(name: str) -> str:
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = _NON_WORD.sub(" ", text.replace("-", " "))
    tokens = sorted(t for t in text.split() if t and t not in _STOP)
    return " ".join(tokens)


@dataclass(frozen=True)
class Candidate:
    entry_id: int
    list_id: str
    name: str
    normalized_name: str
    birth_year: int | None


def score(name_norm: str, entry_norm: str) -> float:
    if not name_norm or not entry_norm:
        return 0.0
    if name_norm == entry_norm:
        return 1.0
    a, b = set(name_norm.split()), set(entry_norm.split())
    # All the person's given tokens inside a listed (longer) name: "Ivan Sidorenko" vs
    # "Ivan Petrovich Sidorenko".
    if len(a) >= 2 and (a <= b or b <= a):
        return 0.95
    return SequenceMatcher(None, name_norm, entry_norm).ratio()


def matches(*, name: str, birth_year: int | None, entries: list[Candidate]) -> list[dict]:
    norm = normalize(name)
    found = []
    for entry in entries:
        s = score(norm, entry.normalized_name)
        if s < MATCH_RATIO:
            continue
        if birth_year and entry.birth_year and abs(birth_year - entry.birth_year) > 1:
            continue
        found.append({"entry_id": entry.entry_id, "list_id": entry.list_id, "name": entry.name,
                      "birth_year": entry.birth_year, "score": round(s, 3)})
    return found


def parse_csv(text: str) -> list[dict]:
    """Rows of list_id,name,birth_year,country,program; refuses a file without the columns."""
    reader = csv.DictReader(io.StringIO(text))
    needed = {"list_id", "name"}
    if not reader.fieldnames or not needed <= set(reader.fieldnames):
        raise ValueError("the CSV needs at least the columns list_id and name")
    rows = []
    for line, row in enumerate(reader, start=2):
        name = (row.get("name") or "").strip()
        if not name:
            raise ValueError(f"line {line}: empty name")
        year = (row.get("birth_year") or "").strip()
        if year and not (year.isdigit() and 1850 <= int(year) <= 2100):
            raise ValueError(f"line {line}: birth_year {year!r} is not a year")
        rows.append({
            "list_id": (row.get("list_id") or "").strip()[:64], "name": name[:300],
            "normalized_name": normalize(name)[:300], "birth_year": int(year) if year else None,
            "country": (row.get("country") or "").strip().upper()[:2],
            "program": (row.get("program") or "").strip()[:100],
        })
    return rows
