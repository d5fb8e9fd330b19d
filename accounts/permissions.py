"""DRF permission: staff who must use 2FA reach the API only from a session that passed
it, or with a token (tokens are issued only against a valid TOTP code, see TokenApi)."""

from __future__ import annotations

from rest_framework.permissions import BasePermission


class TwoFactorSatisfied(BasePermission):
    message = "Two-factor authentication is required: verify your code, or use an API token."
    code = "two_factor_required"

    def has_permission(self, request, view) -> bool:  # noqa: ANN001
        user = request.user
        if not user or not user.is_authenticated or request.auth is not None:
            return True
        if not user.requires_two_factor:
            return True
        is_verified = getattr(user, "is_verified", None)
        return bool(is_verified and is_verified())
