"""How hashes, chain statuses and instants read on the pages (core/chain_display.py and the
chain_ui template library). No database."""

from __future__ import annotations

import datetime as dt

from django.template import Context, Template
from django.utils import timezone, translation

from core.chain_display import explorer_url, format_instant
from core.templatetags.chain_ui import ether

TX = "0x" + "1f" * 32
ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def _render(source: str, **context) -> str:
    return Template("{% load chain_ui %}" + source).render(Context(context))


def test_explorer_links_follow_the_setting(settings):
    settings.CHAIN_EXPLORER_URL = "https://etherscan.io/"
    assert explorer_url("tx", TX) == f"https://etherscan.io/tx/{TX}"
    assert explorer_url("address", ADDRESS) == f"https://etherscan.io/address/{ADDRESS}"
    html = _render('{% chain_hash value "address" %}', value=ADDRESS)
    assert f'href="https://etherscan.io/address/{ADDRESS}"' in html and f">{ADDRESS}</code>" in html
    assert 'data-copy="' + ADDRESS + '"' in html


def test_no_link_without_an_explorer_or_for_anything_but_a_hash(settings):
    settings.CHAIN_EXPLORER_URL = ""
    assert explorer_url("tx", TX) == "" and "<a " not in _render("{% chain_hash value %}", value=TX)
    settings.CHAIN_EXPLORER_URL = "javascript:alert(1)//"
    assert explorer_url("tx", TX) == ""
    settings.CHAIN_EXPLORER_URL = "https://etherscan.io"
    for bad in ("0x123", TX + "00", '0x"><script>', "", None):
        assert explorer_url("tx", bad) == ""
    assert explorer_url("block", TX) == ""


def test_the_hash_is_shown_whole():
    html = _render("{% chain_hash value %}", value=TX)
    assert f">{TX}</code>" in html and "…" not in html


def test_instants_carry_their_zone(settings):
    instant = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC)
    assert format_instant(instant) == "2026-12-02 03:00 UTC"
    with timezone.override("Asia/Tokyo"):
        assert format_instant(instant) == "2026-12-02 12:00 JST"
        assert _render('{{ at|when:"Y-m-d H:i:s" }}', at=instant) == "2026-12-02 12:00:00 JST"
    assert format_instant(dt.date(2026, 12, 2)) == "2026-12-02"
    assert format_instant(None) == "" and _render("{{ at|when }}", at=None) == ""


def test_status_words_are_translated():
    from core.chain_display import state_label

    with translation.override("ja"):
        assert state_label("confirmed") == "ブロックチェーン反映済み"
        assert state_label("failed") == "ブロックチェーン反映失敗"
    assert state_label("pending") == "Pending on chain"


def test_ether_from_wei():
    assert ether(1_500_000_000_000_000_000) == "1.5"
    assert ether(0) == "0" and ether(None) == "" and ether(10**22) == "10000"
