from django.contrib.auth import views as auth_views
from django.urls import path

from core.db import replica_reads_view

from . import views
from .urls_staff import urlpatterns as _staff

app_name = "accounts"

urlpatterns = [
    path("signup/", views.sign_up, name="signup"),
    path("signup/company/", views.sign_up_company, name="signup-company"),
    path("login/", views.sign_in, name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("logout/everywhere/", views.sign_out_everywhere, name="logout-everywhere"),
    path("security/", views.security, name="security"),
    path("security/tokens/<str:digest>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("2fa/enrol/", views.two_factor_enrol, name="2fa-enrol"),
    path("2fa/verify/", views.two_factor_verify, name="2fa-verify"),
    path("dashboard/", replica_reads_view(views.dashboard), name="dashboard"),   # its panels may lag (replica)
    path("organizations/new/", views.organization_create, name="organization-create"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization"),
    path("password-reset/", views.PasswordReset.as_view(), name="password-reset"),
    path("password-reset/sent/",
         auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
         name="password-reset-done"),
    path("reset/<uidb64>/<token>/", views.PasswordResetConfirm.as_view(), name="password-reset-confirm"),
    path("reset/done/",
         auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
         name="password-reset-complete"),
]

# Joining organizations (invitations) and choosing the active one: accounts.views_memberships.
from .urls_memberships import urlpatterns as _memberships  # noqa: E402

urlpatterns += _memberships

# Staff invitations (operators and superusers): accounts.views_staff.
urlpatterns += _staff
