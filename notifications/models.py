"""One notification: something that happened which concerns one person, listed in the app
and e-mailed once (services.notify)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    # A stable id of what happened (e.g. "kyc.decided:12"): one row per (recipient, event).
    event = models.CharField(max_length=120)
    kind = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=500, blank=True)   # a path on this site
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "event"], name="notification_once_per_event")]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_list_idx"),
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True),
                         name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} -> {self.recipient_id} ({self.event})"
