"""KYC reviews (one per submission) and the sanctions list they are screened against."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from investors.models import InvestorProfile


class KycReview(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("review status", "Pending")
        AWAITING_SECOND = "awaiting_second", _("Awaiting second approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        MORE_INFO = "more_info", _("More information requested")

    TRANSITIONS = {
        Status.PENDING: {Status.AWAITING_SECOND, Status.APPROVED, Status.REJECTED, Status.MORE_INFO},
        Status.AWAITING_SECOND: {Status.APPROVED, Status.REJECTED, Status.MORE_INFO},
    }
    OPEN = (Status.PENDING, Status.AWAITING_SECOND)

    class Risk(models.TextChoices):
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")

    class Trigger(models.TextChoices):
        SUBMISSION = "submission", _("Submission")
        EXPIRY = "expiry", _("KYC expired")

    profile = models.ForeignKey(InvestorProfile, on_delete=models.PROTECT, related_name="reviews")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.SUBMISSION)
    risk = models.CharField(max_length=8, choices=Risk.choices, default=Risk.NORMAL)
    risk_reasons = models.JSONField(default=list, blank=True)
    # Copied at submission so the queue can filter without decrypting anything.
    country = models.CharField(max_length=2, blank=True)
    sanctions_matches = models.JSONField(default=list, blank=True)
    sanctions_cleared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                             related_name="+")
    sanctions_cleared_reason = models.CharField(max_length=500, blank=True)
    first_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    first_approved_at = models.DateTimeField(null=True, blank=True)
    first_approval_reason = models.CharField(max_length=500, blank=True)
    first_expires_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submitted_at", "id"]
        indexes = [models.Index(fields=["status", "submitted_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["profile"], condition=models.Q(status__in=["pending", "awaiting_second"]),
                name="compliance_one_open_review_per_profile",
            ),
        ]

    def __str__(self) -> str:
        return f"review {self.pk} [{self.status}]"

    @property
    def sanctions_blocking(self) -> bool:
        return bool(self.sanctions_matches) and self.sanctions_cleared_by_id is None

    @property
    def needs_four_eyes(self) -> bool:
        return self.risk == self.Risk.HIGH


class SanctionsEntry(models.Model):
    """One listed person or entity. The whole list is replaced by `manage.py sanctions_load`."""

    list_id = models.CharField(max_length=64)
    name = models.CharField(max_length=300)
    normalized_name = models.CharField(max_length=300, db_index=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    country = models.CharField(max_length=2, blank=True)
    program = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=200, blank=True)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "sanctions entries"

    def __str__(self) -> str:
        return f"{self.list_id} {self.name}"
