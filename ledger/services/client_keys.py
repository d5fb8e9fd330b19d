"""Idempotency keys chosen by clients (the API's Idempotency-Key header).

A client's key is recorded in a namespace of its own: client:org:<organization id>:<key> when
the actor acts as staff of the security's issuer, client:user:<user id>:<key> otherwise. The
platform's own keys (subscription:<id>, action:<id>, chain:<tx>:<log>) never start with
"client:", so no client can choose one, and two organizations never share a key. The
services namespace the key (they know the actor and the security), never the views."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ApplicationError

CLIENT_KEY_MAX_LENGTH = 128
CLIENT_KEY_PATTERN = r"^[\x21-\x7e]{1,128}$"   # visible ASCII: no space, control or non-ASCII character
_CLIENT_KEY = re.compile(CLIENT_KEY_PATTERN)
CLIENT_ORG = "client:org:"
CLIENT_USER = "client:user:"


def client_key_clean(key: object) -> str | None:
    """A client's idempotency key as sent (None or "" when none): 1 to 128 visible ASCII
    characters (no spaces, no control characters), or a 400 invalid_idempotency_key."""
    if key is None or key == "":
        return None
    if not isinstance(key, str) or not _CLIENT_KEY.fullmatch(key):
        raise _invalid()
    return key


def _invalid() -> ApplicationError:
    message = _("The idempotency key must be 1 to 128 visible ASCII characters (no spaces).")
    return ApplicationError(message, code="invalid_idempotency_key", fields={"Idempotency-Key": [message]})


def client_key_from_header(value: str | None) -> str | None:
    """The Idempotency-Key header as sent: None when absent; present, it must be a valid key
    (an empty header is refused like any other malformed one, not taken as "no key")."""
    if value is None:
        return None
    if value == "":
        raise _invalid()
    return client_key_clean(value)


def client_key_stored(key: object, *, actor: User | None, organization_id: int | None) -> str | None:
    """The key a client's action is recorded under (None without a key): in the namespace of
    `organization_id` (give it only when the actor acts as a member of that organization),
    else in the actor's own. The key is checked first (client_key_clean)."""
    key = client_key_clean(key)
    if key is None:
        return None
    if organization_id is not None:
        return f"{CLIENT_ORG}{organization_id}:{key}"
    user_id = actor.pk if actor is not None and actor.is_authenticated else 0
    return f"{CLIENT_USER}{user_id}:{key}"
