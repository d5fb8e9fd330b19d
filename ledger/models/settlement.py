"""Delivery versus payment in the register: a Settlement exchanges a security leg (units from
the seller, or minted for a primary subscription) against a cash leg (the cash token's base
units from the buyer) in ONE transaction of the Settlement contract, and a TradeOffer is a
line of a security's board (an investor offering units at a price until an instant).

Lifecycle of a settlement (ledger/services/settlement.py):
  awaiting_authorization --(every party whose assets leave signed; both legs held)--> submitted
  submitted --(chain confirmed)--> settled  |  --(reverted, or refused for good)--> failed
  awaiting_authorization --(deadline passed)--> expired  |  --(offer cancelled)--> cancelled
The nonce of the EIP-712 Delivery is the settlement's id; the deadline an instant (checked
against block time on chain, never the business date).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .register import TOKEN_AMOUNT

#: An EIP-712 signature as sent: 0x + 130 hexadecimal digits (r, s, v).
SIGNATURE_LENGTH = 132


class Settlement(models.Model):
    class Kind(models.TextChoices):
        PRIMARY = "primary", _("Primary (subscription)")
        SECONDARY = "secondary", _("Secondary (trade)")

    class Status(models.TextChoices):
        AWAITING_AUTHORIZATION = "awaiting_authorization", _("Awaiting authorization")
        SUBMITTED = "submitted", _("Submitted to the chain")
        SETTLED = "settled", _("Settled")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.AWAITING_AUTHORIZATION: {Status.SUBMITTED, Status.EXPIRED, Status.CANCELLED},
        Status.SUBMITTED: {Status.SETTLED, Status.FAILED},
    }
    #: Statuses whose legs are held in the register (waiting for the chain).
    IN_FLIGHT = (Status.SUBMITTED,)
    #: Statuses after which nothing changes any more.
    FINAL = (Status.SETTLED, Status.FAILED, Status.EXPIRED, Status.CANCELLED)

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    security = models.ForeignKey("issuance.Security", on_delete=models.PROTECT, related_name="settlements")
    cash = models.ForeignKey("issuance.Security", on_delete=models.PROTECT, related_name="+")
    units = models.DecimalField(_("units (base units)"), **TOKEN_AMOUNT)
    #: The whole price, in the cash token's base units.
    price = models.DecimalField(_("price (cash base units)"), **TOKEN_AMOUNT)
    seller = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    seller_wallet = models.CharField(_("seller wallet"), max_length=42)
    buyer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    buyer_wallet = models.CharField(_("buyer wallet"), max_length=42)
    deadline = models.DateTimeField(_("deadline"))
    seller_signature = models.CharField(max_length=SIGNATURE_LENGTH, blank=True)
    buyer_signature = models.CharField(max_length=SIGNATURE_LENGTH, blank=True)
    status = models.CharField(_("status"), max_length=24, choices=Status.choices,
                              default=Status.AWAITING_AUTHORIZATION)
    failure_code = models.CharField(_("failure code"), max_length=64, blank=True)
    failure_message = models.TextField(_("failure message"), blank=True)
    outbox = models.OneToOneField("core.OutboxEntry", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="settlement")
    subscription = models.ForeignKey("issuance.Subscription", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="settlements")
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("settlement")
        indexes = [models.Index(fields=["status", "deadline"], name="ledger_settlement_due_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(units__gt=0) & Q(price__gt=0), name="ledger_settlement_positive"),
            models.CheckConstraint(condition=~Q(seller_wallet=F("buyer_wallet")),
                                   name="ledger_settlement_two_wallets"),
            models.CheckConstraint(condition=~Q(security=F("cash")), name="ledger_settlement_two_tokens"),
            models.CheckConstraint(condition=Q(kind="secondary") | Q(subscription__isnull=False),
                                   name="ledger_settlement_primary_has_subscription"),
            models.CheckConstraint(condition=Q(status__in=["awaiting_authorization", "expired", "cancelled"])
                                   | Q(outbox__isnull=False), name="ledger_settlement_submitted_has_outbox"),
            # One settlement in progress per subscription at a time.
            models.UniqueConstraint(fields=["subscription"], condition=Q(status__in=[
                "awaiting_authorization", "submitted", "settled"]), name="ledger_settlement_one_per_subscription"),
        ]

    def __str__(self) -> str:
        return f"settlement {self.pk} {self.kind} {self.units} for {self.price} [{self.status}]"

    @property
    def nonce(self) -> int:
        return int(self.pk)

    @property
    def is_primary(self) -> bool:
        return self.kind == self.Kind.PRIMARY

    def needs_seller_signature(self) -> bool:
        """Only assets that leave a wallet need its owner's signature: a primary mint takes
        nothing from the issuer's treasury."""
        return not self.is_primary

    def awaiting(self) -> list[str]:
        """The parties ("buyer", "seller") whose signature is still needed; none once the
        settlement no longer awaits authorization."""
        if self.status != self.Status.AWAITING_AUTHORIZATION:
            return []
        return ([] if self.buyer_signature else ["buyer"]) + (
            ["seller"] if self.needs_seller_signature() and not self.seller_signature else [])

    def authorized(self) -> bool:
        """Every signature the contract needs is in."""
        return bool(self.buyer_signature) and (bool(self.seller_signature) or not self.needs_seller_signature())


class TradeOffer(models.Model):
    """A line of a security's board: `units` of `security` from the seller's wallet at
    `unit_price` (per whole unit, in `currency`) for `price` base units of the cash token in
    total, until `expires_at`. Accepting it creates the Settlement both parties authorize."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Accepted, awaiting authorization")
        AUTHORIZED = "authorized", _("Authorized by one party")
        SUBMITTED = "submitted", _("Submitted for settlement")
        SETTLED = "settled", _("Settled")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.OFFERED: {Status.ACCEPTED, Status.EXPIRED, Status.CANCELLED},
        Status.ACCEPTED: {Status.AUTHORIZED, Status.SUBMITTED, Status.EXPIRED, Status.CANCELLED},
        Status.AUTHORIZED: {Status.SUBMITTED, Status.EXPIRED, Status.CANCELLED},
        Status.SUBMITTED: {Status.SETTLED, Status.FAILED},
    }
    #: Statuses in which the seller may still take the offer back.
    CANCELLABLE = (Status.OFFERED, Status.ACCEPTED, Status.AUTHORIZED)

    security = models.ForeignKey("issuance.Security", on_delete=models.PROTECT, related_name="offers")
    cash = models.ForeignKey("issuance.Security", on_delete=models.PROTECT, related_name="+")
    seller = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    seller_wallet = models.CharField(_("seller wallet"), max_length=42)
    units = models.DecimalField(_("units (base units)"), **TOKEN_AMOUNT)
    unit_price = models.DecimalField(_("price per unit"), max_digits=20, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    #: The whole price, in the cash token's base units.
    price = models.DecimalField(_("price (cash base units)"), **TOKEN_AMOUNT)
    expires_at = models.DateTimeField(_("expires at"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OFFERED)
    buyer = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    buyer_wallet = models.CharField(_("buyer wallet"), max_length=42, blank=True)
    settlement = models.OneToOneField(Settlement, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="offer")
    failure_code = models.CharField(_("failure code"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("trade offer")
        indexes = [models.Index(fields=["security", "status"], name="ledger_offer_board_idx"),
                   models.Index(fields=["status", "expires_at"], name="ledger_offer_due_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(units__gt=0) & Q(price__gt=0) & Q(unit_price__gt=0),
                                   name="ledger_offer_positive"),
            models.CheckConstraint(condition=~Q(security=F("cash")), name="ledger_offer_two_tokens"),
            models.CheckConstraint(condition=Q(status="offered") | Q(status="expired") | Q(status="cancelled")
                                   | Q(settlement__isnull=False), name="ledger_offer_accepted_has_settlement"),
        ]

    def __str__(self) -> str:
        return f"offer {self.pk}: {self.units} of {self.security_id} at {self.unit_price} {self.currency}"
