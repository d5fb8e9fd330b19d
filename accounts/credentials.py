"""What a signed-in person holds: API tokens (django-rest-knox, one per device, with a
lifetime) and browser sessions (Django's database sessions, with the user's id in a column
so that all of a person's sessions can be ended at once).

Both carry whether two-factor authentication was verified when they were made: a token
records it in `two_factor_verified`; a session keeps django-otp's verified device.
accounts.permissions.TwoFactorSatisfied refuses a token without it for anyone who needs
2FA now (e.g. a member promoted to admin after the token was issued).

The models are imported by accounts/models.py so that Django registers them in this app."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession, BaseSessionManager
from django.db import models
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken, AuthTokenManager

DEVICE_NAME_MAX = 64


class ApiToken(AbstractAuthToken):
    """An API token of one device (settings.KNOX_TOKEN_MODEL). Only a digest of the token is
    stored; the token itself is shown once, when it is issued."""

    name = models.CharField(_("device"), max_length=DEVICE_NAME_MAX, default="api")
    two_factor_verified = models.BooleanField(default=False)

    objects = AuthTokenManager()

    class Meta:
        indexes = [models.Index(fields=["user", "name"], name="accounts_apitoken_user_name")]

    def __str__(self) -> str:
        return f"{self.user} ({self.name})"


class UserSession(AbstractBaseSession):
    """A browser session (SESSION_ENGINE = accounts.sessions): Django's session row plus the
    signed-in user, kept in step by accounts.sessions.SessionStore."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=True
    )

    objects = BaseSessionManager()

    @classmethod
    def get_session_store_class(cls) -> type:
        # The store is named by settings (SESSION_ENGINE), not imported: accounts.sessions
        # imports this module, and the session engine is the setting's to choose.
        return import_module(settings.SESSION_ENGINE).SessionStore
