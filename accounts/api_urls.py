"""API of the accounts app that lives under /api/accounts/ (namespace "accounts-api").

config/urls.py includes it at path("api/accounts/", ...).
The older accounts endpoints (/api/me/, /api/auth/token/) stay where config/urls.py puts them."""

from django.urls import path

from . import api, api_memberships

app_name = "accounts-api"

urlpatterns = [
    path("organizations/", api.OrganizationCreateApi.as_view(), name="organization-create"),
    path("organizations/active/", api_memberships.ActiveOrganizationApi.as_view(), name="organization-active"),
    path("invitations/", api_memberships.MyInvitationsApi.as_view(), name="invitations"),
    path("invitations/<int:pk>/accept/", api_memberships.InvitationAcceptApi.as_view(), name="invitation-accept"),
    path("invitations/<int:pk>/decline/", api_memberships.InvitationDeclineApi.as_view(), name="invitation-decline"),
]
