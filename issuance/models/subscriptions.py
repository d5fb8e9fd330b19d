from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import Money

from .securities import TOKEN_AMOUNT


class Subscription(models.Model):
    """An investor's subscription to an offering.

    pending -> signed (agreement accepted) -> funded (issuer saw the money) -> ready to settle
    (issuer accepted); or signed -> accepted -> ready to settle when the issuer accepts before
    the funds arrive. The register's settlement (issue 6) takes ready-to-settle rows. In a DvP
    offering the investor pays in the cash token and signed (or accepted) -> settled in one
    step when the chain settles (ledger/services/settlement.py)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting agreement")
        SIGNED = "signed", _("Agreement signed")
        FUNDED = "funded", _("Funded")
        ACCEPTED = "accepted", _("Accepted, awaiting funds")
        READY_TO_SETTLE = "ready_to_settle", _("Ready to settle")
        SETTLED = "settled", _("Settled")  # tokens issued by ledger.services.subscription_settle
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.PENDING: {Status.SIGNED, Status.REJECTED, Status.CANCELLED},
        # -> settled straight from signed or accepted: paid and settled by delivery versus payment
        # in one step (ledger.services.subscription_pay and settlement_outcome).
        Status.SIGNED: {Status.FUNDED, Status.ACCEPTED, Status.REJECTED, Status.CANCELLED, Status.SETTLED},
        Status.FUNDED: {Status.READY_TO_SETTLE, Status.REJECTED},
        Status.ACCEPTED: {Status.READY_TO_SETTLE, Status.REJECTED, Status.SETTLED},
        Status.READY_TO_SETTLE: {Status.SETTLED},
    }
    #: Statuses that count against the hard cap and the per-investor limit.
    ACTIVE = (Status.PENDING, Status.SIGNED, Status.FUNDED, Status.ACCEPTED, Status.READY_TO_SETTLE, Status.SETTLED)
    #: Statuses whose money has arrived.
    FUNDED_STATES = (Status.FUNDED, Status.READY_TO_SETTLE, Status.SETTLED)

    offering = models.ForeignKey("issuance.Offering", on_delete=models.PROTECT, related_name="subscriptions")
    investor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="subscriptions")
    units = models.DecimalField(_("units (base units)"), **TOKEN_AMOUNT)
    amount = models.DecimalField(_("amount due"), max_digits=24, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    agreement_accepted_at = models.DateTimeField(null=True, blank=True)
    agreement_ip = models.GenericIPAddressField(null=True, blank=True)
    agreement_sha256 = models.CharField(max_length=64, blank=True)
    funded_at = models.DateTimeField(null=True, blank=True)
    funding_reference = models.CharField(_("funding reference"), max_length=100, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rejection_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("subscription")
        constraints = [models.CheckConstraint(condition=models.Q(units__gt=0),
                                              name="issuance_subscription_units_positive")]

    def __str__(self) -> str:
        return f"{self.payment_reference} {self.investor} {self.units}"

    @property
    def amount_due(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def payment_reference(self) -> str:
        """What the investor quotes on the bank transfer."""
        return f"SUB-{self.pk:06d}"

    @property
    def is_funded(self) -> bool:
        return self.status in self.FUNDED_STATES
