"""Sign-in and password-reset throttling, per account and per client address, that never
locks an account's owner out from where they usually sign in.

Three failure counters per window (LOGIN_THROTTLE_WINDOW_SECONDS) live in the Redis cache:

- the (account, address) pair: LOGIN_THROTTLE_MAX_FAILURES failures lock that account from
  that address only (a guesser at one place);
- the account: LOGIN_THROTTLE_ACCOUNT_MAX_FAILURES failures from anywhere lock the account,
  but only for addresses that have never signed in to it successfully (a botnet guessing one
  account from many places; the owner keeps signing in from their known addresses);
- the address: LOGIN_THROTTLE_ADDRESS_MAX_FAILURES failures over all accounts (high enough
  for an office behind one NAT) lock that address, again except for the accounts that have
  signed in from it before (password spraying across many accounts).

A successful sign-in clears its pair counter and remembers the address for the account for
LOGIN_THROTTLE_KNOWN_ADDRESS_DAYS. IPv6 addresses count by their /64 network (one host
usually holds a whole /64). Behind a reverse proxy REMOTE_ADDR must be the client's address
(the proxy sets it; see README "Security notes").

Why not django-axes (the field's library, considered): its lockout parameters combine into
one failure limit for every combination, it has no notion of "addresses that succeeded for
this account before", so a per-account lock either locks the owner out everywhere (the hole
this module closes) or is left off; it answers lockouts from its backend and middleware in
its own format (we need the API's {"error": {...}} body and the sign-in page's form error),
and it adds three tables of attempt logs we already keep in the audit trail. These counters
are a few cache operations per attempt in the Redis we already run.

Password-reset requests are counted per e-mail address and per client address
(PASSWORD_RESET_MAX_PER_EMAIL, PASSWORD_RESET_MAX_PER_ADDRESS per PASSWORD_RESET_WINDOW_SECONDS);
beyond either no mail is sent, and the page answers exactly as when one is."""

from __future__ import annotations

import hashlib
import ipaddress

from django.conf import settings
from django.core.cache import cache


def client_address(request) -> str | None:
    """The client's address as throttling counts it: IPv4 as is, IPv6 as its /64 network,
    None when REMOTE_ADDR is not an address (e.g. a unix socket)."""
    value = request.META.get("REMOTE_ADDR") or ""
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return None
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _account(email: str) -> str:
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]


def _address(ip: str | None) -> str:
    return hashlib.sha256((ip or "-").encode()).hexdigest()[:32]


def _pair_key(email: str, ip: str | None) -> str:
    return f"login-fail:pair:{_account(email)}:{_address(ip)}"


def _account_key(email: str) -> str:
    return f"login-fail:account:{_account(email)}"


def _address_key(ip: str | None) -> str:
    return f"login-fail:address:{_address(ip)}"


def _known_key(email: str, ip: str | None) -> str:
    return f"login-ok:{_account(email)}:{_address(ip)}"


def _count(key: str) -> int:
    return int(cache.get(key) or 0)


def _incr(key: str, window: int) -> int:
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return 1


def is_known_address(email: str, ip: str | None) -> bool:
    return ip is not None and cache.get(_known_key(email, ip)) is not None


def is_locked(email: str, ip: str | None) -> bool:
    """True when sign-in to `email` from `ip` is refused for now (see the module docstring)."""
    if _count(_pair_key(email, ip)) >= settings.LOGIN_THROTTLE_MAX_FAILURES:
        return True
    if is_known_address(email, ip):
        return False
    if _count(_account_key(email)) >= settings.LOGIN_THROTTLE_ACCOUNT_MAX_FAILURES:
        return True
    return ip is not None and _count(_address_key(ip)) >= settings.LOGIN_THROTTLE_ADDRESS_MAX_FAILURES


def record_failure(email: str, ip: str | None) -> None:
    window = settings.LOGIN_THROTTLE_WINDOW_SECONDS
    _incr(_pair_key(email, ip), window)
    _incr(_account_key(email), window)
    if ip is not None:
        _incr(_address_key(ip), window)


def record_success(email: str, ip: str | None) -> None:
    """Clear this pair's failures and remember the address for the account. The account's
    and the address's counters keep counting: an owner signing in does not reset what an
    attacker elsewhere has spent."""
    cache.delete(_pair_key(email, ip))
    if ip is not None:
        cache.set(_known_key(email, ip), 1, timeout=settings.LOGIN_THROTTLE_KNOWN_ADDRESS_DAYS * 24 * 60 * 60)


def lockout_minutes() -> int:
    return max(1, settings.LOGIN_THROTTLE_WINDOW_SECONDS // 60)


def password_reset_allowed(email: str, ip: str | None) -> bool:
    """Count one password-reset request; False when the e-mail address or the client address
    has asked too often in the window (then no mail is sent)."""
    window = settings.PASSWORD_RESET_WINDOW_SECONDS
    per_email = _incr(f"pwreset:email:{_account(email)}", window)
    per_address = _incr(f"pwreset:address:{_address(ip)}", window)
    return per_email <= settings.PASSWORD_RESET_MAX_PER_EMAIL and per_address <= settings.PASSWORD_RESET_MAX_PER_ADDRESS
