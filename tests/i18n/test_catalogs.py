"""The Japanese catalogs read right once Django merges them (issue 15).

Django merges every app's catalog and the project's into one: for a msgid found in two catalogs,
one translation wins everywhere (the project's, then the app listed first). So a word used in
two senses needs a message context (pgettext / `{% translate "Open" context "offering period" %}`),
and a word without one must mean the same in every catalog that has it.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent.parent
CATALOGS = sorted(ROOT.glob("*/locale/ja/LC_MESSAGES/django.po")) + [ROOT / "locale/ja/LC_MESSAGES/django.po"]
TRANSLATE_TAG = re.compile(r"""{%\s*(?:translate|trans)\s+(["'])(.+?)\1(?:\s+context\s+(["'])(.+?)\3)?""")
CONTEXT_CALLS = {"pgettext", "pgettext_lazy"}


def _entries() -> dict[tuple[str | None, str], dict[str, str]]:
    found: dict[tuple[str | None, str], dict[str, str]] = defaultdict(dict)
    for path in CATALOGS:
        for entry in polib.pofile(str(path)).translated_entries():
            found[(entry.msgctxt, entry.msgid)][str(path.relative_to(ROOT))] = entry.msgstr
    return found


def _uses_with_context() -> set[tuple[str, str]]:
    """(context, msgid) of every pgettext call and `translate ... context` tag in the sources."""
    used = set()
    for path in (ROOT / "templates").rglob("*.html"):
        used |= {(m.group(4), m.group(2)) for m in TRANSLATE_TAG.finditer(path.read_text()) if m.group(4)}
    apps = [d for d in ROOT.iterdir() if (d / "apps.py").exists() or d.name in {"core", "config"}]
    for path in (path for app in apps for path in app.rglob("*.py")):
        if {"tests", "migrations"} & set(path.parts):
            continue
        text = path.read_text()
        if "pgettext" not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CONTEXT_CALLS
                    and len(node.args) >= 2 and all(isinstance(a, ast.Constant) for a in node.args[:2])):
                used.add((node.args[0].value, node.args[1].value))
    return used


def test_a_word_without_context_means_the_same_in_every_catalog():
    clashes = {key[1]: where for key, where in _entries().items() if len(set(where.values())) > 1}
    assert not clashes, f"give these a message context, or one translation everywhere: {clashes}"


def test_every_word_with_a_context_has_its_translation():
    entries = _entries()
    used = _uses_with_context()
    assert len(used) >= 10  # the extractor found the contexts, so the check means something
    missing = sorted(key for key in used if key not in entries)
    assert not missing, f"add these (msgctxt, msgid) to the app's locale/ja/LC_MESSAGES/django.po: {missing}"


@pytest.mark.parametrize(("context", "msgid", "japanese"), [
    ("offering period", "Open", "募集期間"),          # the offering page said 未処理 (a case status)
    ("review filter", "Open", "未処理"),
    ("review status", "Pending", "審査待ち"),
    ("chain action", "Pending", "送信待ち"),
    ("invitation status", "Pending", "未回答"),
    ("date submitted", "Submitted", "提出日時"),
    ("application status", "Submitted", "提出済み"),
    ("payment batch status", "Submitted", "送信済み"),
    ("chain action", "Submitted", "送信済み"),
    ("offering status", "Cancelled", "中止"),
    (None, "Cancelled", "取消済み"),
    ("corporate action kind", "Coupon", "利払い"),
    (None, "Coupon", "利率"),
    ("history", "Actions", "操作履歴"),
    (None, "Actions", "操作"),
    ("quantity", "Amount", "数量"),
    (None, "Amount", "金額"),
    (None, "Cap table", "保有者名簿"),
    (None, "Security", "銘柄"),
])
def test_merged_catalog_gives_each_sense_its_word(context, msgid, japanese):
    with translation.override("ja"):
        shown = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
    assert shown == japanese
