"""An API client acting as a persona who passed 2FA (what the token or the verified session
gives them; the credentials themselves are tested in accounts/)."""

from __future__ import annotations

from rest_framework.test import APIClient


class Api(APIClient):
    def force_authenticate(self, user=None, token=None):
        """Act as `user`, 2FA verified (as django-otp marks a verified session's user)."""
        if user is not None:
            user.is_verified = lambda: True
        return super().force_authenticate(user=user, token=token)
