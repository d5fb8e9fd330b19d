"""Reads for notifications: only ever the viewer's own rows."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Membership, User

from .models import Notification


def notifications_for(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def staff_ids(*, role: str) -> list[int]:
    """Active people of a staff role (compliance, operator, cash agent): who hears about work for that role."""
    return list(User.objects.filter(role=role, is_active=True).values_list("pk", flat=True))


def organization_admin_ids(*, organization_id: int) -> list[int]:
    """The active admins of an issuer's organization."""
    return list(Membership.objects.filter(organization_id=organization_id, role=Membership.Role.ADMIN,
                                          user__is_active=True).values_list("user_id", flat=True))
