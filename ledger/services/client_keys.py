"""Idempotency keys chosen by clients (the API's Idempotency-Key header).

A client's key is recorded in a namespace of its own: client:org:<organization id>:<key> when
the actor acts as staff of the security's issuer, client:user:<user id>:<key> otherwise. The
platform's own keys (subscription:<id>, action:<id>, chain:<tx>:<log>) never start with
"client:", so no client can choose one, and two organizations never share a key. The
services namespace the key (they know the actor and the security), never the views."""

from __future__ import annotations

from accounts.models import User
from core.idempotency import KEY_MAX_LENGTH as CLIENT_KEY_MAX_LENGTH
from core.idempotency import KEY_PATTERN as CLIENT_KEY_PATTERN
from core.idempotency import key_clean as client_key_clean
from core.idempotency import key_from_header as client_key_from_header

# The key's rule (1 to 128 visible ASCII characters) is core.idempotency's, the one definition
# shared with the Idempotency-Key of every other API write.
__all__ = ["CLIENT_KEY_MAX_LENGTH", "CLIENT_KEY_PATTERN", "CLIENT_ORG", "CLIENT_USER", "client_key_clean",
           "client_key_from_header", "client_key_stored"]
CLIENT_ORG = "client:org:"
CLIENT_USER = "client:user:"


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
