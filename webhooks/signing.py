"""What a receiver gets and how it checks it.

Body: the event as compact JSON (sorted keys, UTF-8), the same bytes at every attempt and replay:

    {"created": "2026-12-02T12:00:00Z", "data": {...}, "id": "<Event.uid>", "organization": 7, "type": "..."}

Headers: Shoken-Event-Id (the id to deduplicate on), Shoken-Event-Type, Shoken-Timestamp (unix
seconds of this attempt), Shoken-Signature: ``t=<timestamp>,v1=<hex>`` where hex is
HMAC-SHA256(secret, f"{timestamp}.{body}"). While a rotated-out secret is still in its overlap
a second ``v1=`` signs with it, so a receiver that has not switched yet keeps accepting. A
receiver recomputes the HMAC over the raw body, compares in constant time with any v1, and
refuses a timestamp far from its clock (replays of a captured request).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets

from core.models import Event

SECRET_PREFIX = "whsec_"
USER_AGENT = "Shoken-Webhooks/1"


def secret_new() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def event_body(event: Event) -> bytes:
    payload = {"id": str(event.uid), "type": event.type, "created": _iso(event.created_at),
               "organization": event.organization_id, "data": event.data}
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets_in_use: list[str], timestamp: int, body: bytes) -> str:
    """``t=<ts>,v1=<hex>[,v1=<hex>]``: one v1 per secret in use (the current one first)."""
    return ",".join([f"t={timestamp}", *(f"v1={signature(s, timestamp, body)}" for s in secrets_in_use)])


def headers_for(event: Event, *, delivery_id: int, secrets_in_use: list[str], timestamp: int,
                body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Shoken-Event-Id": str(event.uid),
        "Shoken-Event-Type": event.type,
        "Shoken-Delivery-Id": str(delivery_id),
        "Shoken-Timestamp": str(timestamp),
        "Shoken-Signature": signature_header(secrets_in_use, timestamp, body),
    }


def verify(header: str, body: bytes, secret: str, *, now: float, tolerance: int = 300) -> bool:
    """A receiver's check (documented in docs/webhooks.md; the tests' receiver uses it): some v1
    matches and the timestamp is within `tolerance` seconds of `now`."""
    parts = [item.split("=", 1) for item in header.split(",") if "=" in item]
    stamps = [value for key, value in parts if key == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit() or abs(now - int(stamps[0])) > tolerance:
        return False
    expected = signature(secret, int(stamps[0]), body)
    return any(hmac.compare_digest(expected, value) for key, value in parts if key == "v1")
