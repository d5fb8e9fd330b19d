"""django.contrib.admin with accounts.admin_site.ShokenAdminSite as its default site (2FA
required, sign-in through the throttled /accounts/login/). Listed in INSTALLED_APPS in place
of "django.contrib.admin"; a module of its own so that loading it imports no models."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "accounts.admin_site.ShokenAdminSite"
