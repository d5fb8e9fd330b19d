from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .documents import StoredDocument


class Issuer(models.Model):
    """The onboarding (KYB) profile of an accounts.Organization that issues securities."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", pgettext_lazy("application status", "Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.APPROVED, Status.REJECTED},
        Status.REJECTED: {Status.SUBMITTED},
    }

    organization = models.OneToOneField("accounts.Organization", on_delete=models.PROTECT, related_name="issuer")
    legal_name = models.CharField(_("legal name"), max_length=200)
    registration_number = models.CharField(_("registration number"), max_length=64)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=2)   # ISO 3166-1 alpha-2
    address = models.TextField(_("registered address"))
    representatives = models.TextField(_("representatives"), help_text=_("One name per line."))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    decision_reason = models.TextField(blank=True)
    #: The non-login holder of the issuer's treasury wallet, which receives subscription
    #: proceeds in the cash token (issuance/treasury.py; set when the issuer is approved).
    treasury = models.OneToOneField("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="treasury_of")
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["legal_name"]
        verbose_name = _("issuer")

    def __str__(self) -> str:
        return self.legal_name

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    def representative_list(self) -> list[str]:
        return [line.strip() for line in self.representatives.splitlines() if line.strip()]


class IssuerDocument(StoredDocument):
    """A KYB document (certificate of incorporation, articles, register extract...)."""

    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("title"), max_length=200)

    class Meta:
        ordering = ["id"]
