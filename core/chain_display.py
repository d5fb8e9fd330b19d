"""How the chain's side of things reads for a person: the status of an action (pending,
confirmed, failed, in words), links to a block explorer (settings.CHAIN_EXPLORER_URL, e.g.
"https://etherscan.io": /tx/<hash>, /address/<address>; blank: no links), and one way to print
an instant with its time zone. Templates use these through core/templatetags/chain_ui.py; the
chain app's status endpoint (chain/status.py) answers the pages' polling with the same words."""

from __future__ import annotations

import re
from datetime import date, datetime

from django.conf import settings
from django.utils import dateformat, timezone
from django.utils.translation import gettext_lazy as _

#: What a person sees: an outbox row's four statuses fold into three states.
STATES = {"pending": "pending", "submitted": "pending", "confirmed": "confirmed", "failed": "failed"}
LABELS = {
    "pending": _("Pending on chain"),
    "confirmed": _("Confirmed on chain"),
    "failed": _("Failed on chain"),
}
#: A state the page keeps asking about (chain_status.js polls while one is on the page).
LIVE_STATES = frozenset({"pending"})

_PATTERNS = {"tx": re.compile(r"0x[0-9a-fA-F]{64}"), "address": re.compile(r"0x[0-9a-fA-F]{40}")}


def chain_state(status: str) -> str:
    """'pending', 'confirmed' or 'failed' for an OutboxEntry status."""
    return STATES.get(status, "pending")


def state_label(state: str) -> str:
    return str(LABELS.get(state, LABELS["pending"]))


def explorer_url(kind: str, value: str) -> str:
    """The block explorer's page of a transaction (kind "tx") or an address ("address"), or ""
    when no explorer is configured, the setting is not an http(s) address, or `value` is not a
    well-formed hash or address (nothing else ends up in a link)."""
    base = (getattr(settings, "CHAIN_EXPLORER_URL", "") or "").strip().rstrip("/")
    pattern = _PATTERNS.get(kind)
    if not base or not base.startswith(("https://", "http://")) or pattern is None:
        return ""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        return ""
    return f"{base}/{kind}/{value}"


def format_instant(value, fmt: str = "Y-m-d H:i") -> str:
    """`value` in the current time zone (the user's when one is activated, else
    settings.TIME_ZONE), followed by the zone's abbreviation: "2026-12-02 12:00 JST". A date
    (no time) prints as Y-m-d; None and "" print as ""."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        else:
            value = timezone.make_aware(value, timezone.get_current_timezone())
        return f"{dateformat.format(value, fmt)} {value.tzname()}"
    if isinstance(value, date):
        return dateformat.format(value, "Y-m-d")
    return str(value)
