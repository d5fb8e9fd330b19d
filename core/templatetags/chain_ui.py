"""One way to show the chain's side of things on every page:

    {% load chain_ui %}
    {% chain_hash action.outbox.tx_hash %}           a transaction hash: in full, copy, explorer link
    {% chain_hash security.token_address "address" %} a contract or wallet address, the same way
    {% chain_status action.outbox %}                 pending / confirmed / failed, updated in place
    {% chain_ref "subscription" sub.pk %}             the same, filled in by static/js/chain_status.js
    {{ action.created_at|when }}                     "2026-12-02 12:00 UTC": an instant with its zone

Polling lives in static/js/chain_status.js and the chain app's status endpoint (chain/status.py).
"""

from __future__ import annotations

from django import template

from core.chain_display import LIVE_STATES, chain_state, explorer_url, format_instant, state_label
from core.money import from_base_units

register = template.Library()


@register.filter
def when(value, fmt: str = "Y-m-d H:i") -> str:
    """An instant in the current time zone with the zone's abbreviation (a date: Y-m-d)."""
    return format_instant(value, fmt)


@register.filter
def ether(wei) -> str:
    """A balance of the chain's native coin, kept in wei, as ether: 1500000000000000000 -> "1.5"."""
    if wei in (None, ""):
        return ""
    amount = from_base_units(int(wei), 18)
    return f"{amount.normalize():f}" if amount else "0"


@register.inclusion_tag("core/_hash.html")
def chain_hash(value, kind: str = "tx", testid: str = "") -> dict:
    """A transaction hash (kind "tx") or an address ("address"), whole (the CSS wraps it), with a
    copy button and, when settings.CHAIN_EXPLORER_URL is set, a link to the block explorer. Any
    other kind (e.g. "sha256" of a document) is shown and copied, never linked."""
    return {"value": value or "", "kind": kind, "url": explorer_url(kind, value or ""),
            "testid": testid or {"tx": "tx-hash", "address": "address"}.get(kind, "hash")}


def status_context(entry, ref: str = "") -> dict:
    """What core/_chain_status.html needs for an OutboxEntry (or None: nothing yet)."""
    if entry is None:
        return {"ref": ref, "state": "", "label": "", "tx_hash": "", "live": False}
    state = chain_state(entry.status)
    return {"ref": ref or f"outbox:{entry.pk}", "state": state, "label": state_label(state),
            "tx_hash": entry.tx_hash, "live": state in LIVE_STATES}


@register.inclusion_tag("core/_chain_status.html")
def chain_status(entry) -> dict:
    """The chain status of an outbox row, marked for static/js/chain_status.js."""
    return status_context(entry)


@register.inclusion_tag("core/_chain_status.html")
def chain_ref(kind: str, pk) -> dict:
    """A placeholder the script fills in with the chain status of an object the page's app does
    not reach itself (a subscription's settlement: the register is above issuance)."""
    return status_context(None, ref=f"{kind}:{pk}")
