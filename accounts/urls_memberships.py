"""Pages of accounts.views_memberships, included by accounts/urls.py (namespace "accounts")."""

from django.urls import path

from . import views_memberships as views

urlpatterns = [
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:pk>/accept/", views.invitation_accept, name="invitation-accept"),
    path("invitations/<int:pk>/decline/", views.invitation_decline, name="invitation-decline"),
    path("invitations/<int:pk>/<str:token>/", views.invitation_open, name="invitation-open"),
    path("invitations/<int:pk>/<str:token>/signup/", views.invitation_sign_up, name="invitation-signup"),
    path("organizations/active/", views.organization_choose, name="organization-choose"),
]
