"""Pages of accounts.views_staff, included by accounts/urls.py (namespace "accounts")."""

from django.urls import path

from . import views_staff as views

urlpatterns = [
    path("staff/", views.staff_list, name="staff"),
    path("staff/invitations/<int:pk>/revoke/", views.staff_invitation_revoke, name="staff-invitation-revoke"),
    path("staff/join/<int:pk>/<str:token>/", views.staff_join, name="staff-join"),
]
