"""API tokens (django-rest-knox): one per device, each with a lifetime (API_TOKEN_TTL_HOURS).

A token is issued against e-mail and password (plus a TOTP code for staff who need 2FA, see
accounts.api.TokenApi) and records whether that code was checked. Asking again for the same
device replaces that device's token; a person holds at most API_TOKEN_MAX_PER_USER tokens
(the oldest goes first). Only a digest is stored: the token is shown once."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record

from .credentials import DEVICE_NAME_MAX, ApiToken
from .models import User


def device_name(value: str | None, *, user_agent: str = "") -> str:
    """The client's name for its device: printable, one line, at most DEVICE_NAME_MAX
    characters; the User-Agent when none is given, else "api"."""
    text = value if value and value.strip() else user_agent
    text = "".join(" " if unicodedata.category(ch).startswith(("C", "Z")) else ch for ch in text or "")
    text = " ".join(text.split())[:DEVICE_NAME_MAX]
    return text or "api"


def api_token_issue(*, user: User, device: str, two_factor_verified: bool) -> tuple[ApiToken, str]:
    """Issue a token for `device` (replacing that device's earlier one); returns the row and
    the token, which is never stored in clear."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one issue per person at a time
        mine = ApiToken.objects.filter(user=user)
        mine.filter(expiry__lt=timezone.now()).delete()
        replaced, _detail = mine.filter(name=device).delete()
        keep = max(0, settings.API_TOKEN_MAX_PER_USER - 1)
        oldest = list(mine.order_by("-created").values_list("digest", flat=True)[keep:])
        if oldest:
            ApiToken.objects.filter(digest__in=oldest).delete()
        instance, key = ApiToken.objects.create(user=user, name=device, two_factor_verified=two_factor_verified)
        audit_record(action="api_token.issued", actor=user, obj=user, new={
            "device": device, "two_factor_verified": two_factor_verified,
            "expiry": instance.expiry, "replaced": replaced + len(oldest),
        })
    return instance, key


def api_token_revoke(*, token: ApiToken, actor: User) -> None:
    """End one token (signing out one device)."""
    with transaction.atomic():
        ApiToken.objects.filter(digest=token.digest).delete()
        audit_record(action="api_token.revoked", actor=actor, obj=actor, new={"device": token.name})
