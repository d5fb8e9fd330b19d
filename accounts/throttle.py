"""Login throttling: after N failures within the window, sign-in is refused for that e-mail
and for that client address until the window passes. Counters live in the Redis cache."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache


def _keys(email: str, ip: str | None) -> list[str]:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    keys = [f"login-fail:email:{digest}"]
    if ip:
        keys.append(f"login-fail:ip:{ip}")
    return keys


def is_locked(email: str, ip: str | None) -> bool:
    limit = settings.LOGIN_THROTTLE_MAX_FAILURES
    return any((cache.get(key) or 0) >= limit for key in _keys(email, ip))


def record_failure(email: str, ip: str | None) -> None:
    window = settings.LOGIN_THROTTLE_WINDOW_SECONDS
    for key in _keys(email, ip):
        if cache.add(key, 1, timeout=window):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window)


def reset(email: str, ip: str | None) -> None:
    cache.delete_many(_keys(email, ip)[:1])  # the address keeps counting other e-mails


def lockout_minutes() -> int:
    return max(1, settings.LOGIN_THROTTLE_WINDOW_SECONDS // 60)
