"""DRF permission: people who must use 2FA now (issuer admins, compliance officers, operators)
reach the API only with a credential that passed it for them: a session verified by
django-otp, or an API token that was issued against a valid TOTP code
(ApiToken.two_factor_verified). A token issued without a code (to an investor or a member)
does not act as an admin after a promotion; any other credential never vouches for 2FA."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from .credentials import ApiToken


class TwoFactorSatisfied(BasePermission):
    message = _("Two-factor authentication is required: verify your code, or use an API token asked for with otp_code.")
    code = "two_factor_required"

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated or not user.requires_two_factor:
            return True
        if isinstance(request.auth, ApiToken):
            return request.auth.two_factor_verified
        if request.auth is not None:
            return False
        is_verified = getattr(user, "is_verified", None)
        return bool(is_verified and is_verified())
