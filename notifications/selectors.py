"""Reads for notifications: only ever the viewer's own rows."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Notification


def notifications_for(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
