"""API of the accounts app that lives under /api/accounts/ (namespace "accounts-api").

config/urls.py includes it at path("api/accounts/", ...).
The older accounts endpoints (/api/me/, /api/auth/token/) stay where config/urls.py puts them."""

from django.urls import path

from . import api

app_name = "accounts-api"

urlpatterns = [
    path("organizations/", api.OrganizationCreateApi.as_view(), name="organization-create"),
]
