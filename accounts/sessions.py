"""Browser sessions with their owner, and ending everything a person is signed in with.

SESSION_ENGINE = "accounts.sessions": Django's database sessions (the same table shape) plus
the signed-in user's id in an indexed column, so `user_sessions_end` deletes a person's
sessions with one query instead of decoding every session in the table.

`user_sessions_end` is called wherever the grounds a session or token stood on change: a role
change (user role, membership role), a password reset or change, a 2FA reset (a TOTP device
removed), deactivation, and "sign out everywhere"."""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.db import transaction
from django.db.models.signals import post_delete
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.audit import audit_record

from .credentials import ApiToken, UserSession
from .models import User


class SessionStore(DbSessionStore):
    @classmethod
    def get_model_class(cls) -> type[UserSession]:
        return UserSession

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        user_id = data.get("_auth_user_id")
        try:
            instance.user_id = int(user_id) if user_id is not None else None
        except (TypeError, ValueError):
            instance.user_id = None
        return instance


def user_sessions_end(*, user, reason: str, actor=None, keep_session_key: str | None = None) -> dict:
    """End every browser session and API token of `user` (all devices), audited with `reason`
    (e.g. "role_changed", "password_reset", "two_factor_reset", "sign_out_everywhere") and
    `actor` (None: the system).
    `keep_session_key` spares one session (the page that asked, after a password change);
    "sign out everywhere" keeps none. Runs inside the caller's transaction when there is
    one, so a refused role change ends nothing. Returns the counts ended."""
    with transaction.atomic():
        sessions = UserSession.objects.filter(user_id=user.pk)
        if keep_session_key:
            sessions = sessions.exclude(session_key=keep_session_key)
        ended_sessions, _detail = sessions.delete()
        ended_tokens, _detail = ApiToken.objects.filter(user_id=user.pk).delete()
        counts = {"sessions": ended_sessions, "tokens": ended_tokens}
        audit_record(action="user.sessions_ended", actor=actor, obj=user, new={"reason": reason, **counts})
    return counts


def _two_factor_device_removed(sender, instance, **kwargs) -> None:
    """A confirmed TOTP (or backup-code) device removed, from any path (the admin site, a
    support script): a 2FA reset. Whoever signed in with it signs in again."""
    if getattr(instance, "confirmed", True) and instance.user_id:
        user = User.objects.filter(pk=instance.user_id).first()
        if user is not None:
            user_sessions_end(user=user, reason="two_factor_reset")


def connect_signals() -> None:
    for model in (TOTPDevice, StaticDevice):
        post_delete.connect(_two_factor_device_removed, sender=model, dispatch_uid=f"sessions-end-{model.__name__}")
