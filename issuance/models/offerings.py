from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.money import Money, from_base_units

from .documents import StoredDocument
from .securities import TOKEN_AMOUNT


class SettlementMode(models.TextChoices):
    DVP = "dvp", _("Delivery versus payment in the cash token")
    MANUAL = "manual", _("Off chain: the issuer confirms the funds")


class Offering(models.Model):
    """A primary sale of a security. Limits are token amounts in base units; the price is
    per whole unit in the offering's currency."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", pgettext_lazy("offering status", "Cancelled")

    TRANSITIONS = {
        Status.DRAFT: {Status.PUBLISHED, Status.CANCELLED},
        Status.PUBLISHED: {Status.CLOSED, Status.CANCELLED},
    }

    security = models.ForeignKey("issuance.Security", on_delete=models.PROTECT, related_name="offerings")
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(_("currency"), max_length=3)
    price = models.DecimalField(_("price per unit"), max_digits=20, decimal_places=2)
    min_subscription = models.DecimalField(_("minimum subscription"), **TOKEN_AMOUNT)
    max_subscription = models.DecimalField(_("maximum subscription per investor"), **TOKEN_AMOUNT)
    target = models.DecimalField(_("target"), **TOKEN_AMOUNT)
    hard_cap = models.DecimalField(_("hard cap"), **TOKEN_AMOUNT)
    opens_on = models.DateField(_("opening date"))
    closes_on = models.DateField(_("closing date"))
    payment_instructions = models.TextField(_("payment instructions"), blank=True)
    #: How subscriptions are paid: in the cash token, settled by delivery versus payment
    #: (ledger/services/settlement.py), or off chain, the issuer confirming the funds (the default
    #: of older rows; the offering form proposes DvP).
    settlement_mode = models.CharField(_("settlement"), max_length=8, choices=SettlementMode.choices,
                                       default=SettlementMode.MANUAL)
    #: Advertised on the public home page ("/") while open or upcoming. Off by default: private
    #: placements (Reg D 506(b), FIEA offers to qualified investors) must never be advertised.
    is_public = models.BooleanField(
        _("Advertise on the public home page"), default=False,
        help_text=_("Only for offerings that may be offered to the public. Never tick this for a private placement "
                    "such as a Reg D 506(b) offering or an offer to qualified investors only under the FIEA: "
                    "those must not be advertised."))
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("offering")
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gt=0), name="issuance_offering_price_positive"),
            models.CheckConstraint(condition=models.Q(min_subscription__lte=models.F("max_subscription")),
                                   name="issuance_offering_min_le_max"),
            models.CheckConstraint(condition=models.Q(target__lte=models.F("hard_cap")),
                                   name="issuance_offering_target_le_cap"),
            models.CheckConstraint(condition=models.Q(closes_on__gt=models.F("opens_on")),
                                   name="issuance_offering_dates"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def issuer(self):
        return self.security.issuer

    @property
    def unit_price(self) -> Money:
        return Money(self.price, self.currency)

    def units(self, base_units: int | Decimal) -> Decimal:
        """Base units -> whole units of the security (for display and pricing)."""
        return from_base_units(int(base_units), self.security.decimals)

    def amount_for(self, base_units: int | Decimal) -> Money:
        return Money.rounded(self.price * self.units(base_units), self.currency)

    def document(self, kind: str):
        return self.documents.filter(kind=kind).order_by("-id").first()


class OfferingDocument(StoredDocument):
    class Kind(models.TextChoices):
        MEMORANDUM = "memorandum", _("Offering memorandum")
        AGREEMENT = "agreement", _("Subscription agreement")

    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("document"), max_length=16, choices=Kind.choices)

    class Meta:
        ordering = ["id"]
