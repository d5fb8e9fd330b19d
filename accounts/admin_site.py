"""Django's admin site behind the platform's own sign-in and 2FA.

Only staff whose session passed a TOTP code (django-otp's OTPAdminSite) reach it; its login
page sends people to /accounts/login/, which is throttled per account and per address
(accounts/throttle.py), and the 2FA middleware then asks for the code. So /admin/login/ no
longer checks passwords itself (it was an unthrottled password oracle). Installed as the
default admin site by accounts.admin_config.AdminConfig (INSTALLED_APPS)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django_otp.admin import OTPAdminSite


class ShokenAdminSite(OTPAdminSite):
    def login(self, request, extra_context=None):
        target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")
