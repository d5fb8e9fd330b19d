"""Notifications for events of apps below this one (accounts), which announce them with a
signal sent inside their transaction."""

from __future__ import annotations

from django.urls import reverse

from .kinds import Kind
from .services import notify


def on_user_signed_up(sender, *, user, **kwargs) -> None:
    notify(event=f"user.signed_up:{user.pk}", recipients=[user], kind=Kind.SIGN_UP,
           params={"email": user.email}, link=reverse("accounts:dashboard"))
