"""Issuer admins, compliance officers and operators reach no page until they have enrolled
a TOTP device and verified it in this session."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

EXEMPT_PREFIXES = ("/static/", "/i18n/", "/healthz", "/api/", "/accounts/logout/", "/accounts/2fa/")


class RequireTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and user.requires_two_factor
            and not user.is_verified()
        ):
            enrolled = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            target = reverse("accounts:2fa-verify" if enrolled else "accounts:2fa-enrol")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
