"""Investor profiles (person or entity), their KYC documents and their proven wallets.

The KYC status lives on the profile (what the investor and the rule engine read); the
review of each submission lives in compliance (KycReview), which moves this status through
core.lifecycle.transition.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .fields import EncryptedDateField, EncryptedTextField


class InvestorProfile(models.Model):
    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        ENTITY = "entity", _("Entity")

    class InvestorStatus(models.TextChoices):
        # Same values as compliance.rules.InvestorType.
        RETAIL = "retail", _("Retail")
        ACCREDITED = "accredited", _("Accredited")
        QUALIFIED = "qualified", _("Qualified")
        PROFESSIONAL = "professional", _("Professional")

    class KycStatus(models.TextChoices):
        DRAFT = "draft", _("Not submitted")
        SUBMITTED = "submitted", _("In review")
        MORE_INFO = "more_info", _("More information needed")
        APPROVED = "approved", _("Verified")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")

    TRANSITIONS = {
        KycStatus.DRAFT: {KycStatus.SUBMITTED},
        KycStatus.SUBMITTED: {KycStatus.APPROVED, KycStatus.REJECTED, KycStatus.MORE_INFO},
        KycStatus.MORE_INFO: {KycStatus.SUBMITTED},
        KycStatus.REJECTED: {KycStatus.SUBMITTED},
        KycStatus.APPROVED: {KycStatus.EXPIRED},
        # An expired investor is back in the review queue (a review opened on expiry): the
        # officer approves again, rejects, or asks for more (which makes the profile editable).
        KycStatus.EXPIRED: {KycStatus.APPROVED, KycStatus.REJECTED, KycStatus.MORE_INFO},
    }
    EDITABLE = {KycStatus.DRAFT, KycStatus.MORE_INFO, KycStatus.REJECTED}

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="investor_profile")
    kind = models.CharField(_("investor kind"), max_length=16, choices=Kind.choices, default=Kind.INDIVIDUAL)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    # Date of birth (individual) or of incorporation (entity).
    birth_date = EncryptedDateField(_("date of birth or incorporation"), null=True, blank=True)
    identity_number = EncryptedTextField(_("identity or registration number"), blank=True, default="")
    address = EncryptedTextField(_("address"), blank=True, default="")
    beneficial_owners = EncryptedTextField(_("beneficial owners"), blank=True, default="")
    nationality = models.CharField(_("nationality or country of incorporation"), max_length=2, blank=True)
    residence_country = models.CharField(_("country of residence"), max_length=2, blank=True)
    tax_residency = models.CharField(_("tax residency"), max_length=2, blank=True)
    investor_status = models.CharField(_("investor status"), max_length=16, choices=InvestorStatus.choices, blank=True)
    status_basis = models.CharField(_("basis for the investor status"), max_length=500, blank=True)
    kyc_status = models.CharField(max_length=16, choices=KycStatus.choices, default=KycStatus.DRAFT)
    kyc_expires_on = models.DateField(null=True, blank=True)
    kyc_message = models.CharField(max_length=500, blank=True)  # the officer's last reason shown to the investor
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("investor profile")

    def __str__(self) -> str:
        return f"{self.legal_name or self.user.email} [{self.kyc_status}]"

    @property
    def editable(self) -> bool:
        return self.kyc_status in self.EDITABLE

    @property
    def accredited(self) -> bool:
        return self.investor_status == self.InvestorStatus.ACCREDITED

    @property
    def qualified(self) -> bool:
        return self.investor_status in (self.InvestorStatus.QUALIFIED, self.InvestorStatus.PROFESSIONAL)


def _document_path(instance, filename: str) -> str:
    # No user-controlled part: no extension, no original name (kept in the row).
    return f"kyc/{instance.profile_id}/{uuid.uuid4().hex}"


class KycDocument(models.Model):
    class Kind(models.TextChoices):
        PASSPORT = "passport", _("Passport")
        ID_CARD = "id_card", _("Identity card")
        PROOF_OF_ADDRESS = "proof_of_address", _("Proof of address")
        INCORPORATION = "incorporation", _("Certificate of incorporation")
        OTHER = "other", _("Other")

    profile = models.ForeignKey(InvestorProfile, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("document kind"), max_length=32, choices=Kind.choices)
    file = models.FileField(upload_to=_document_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.original_name}"


class Wallet(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        REMOVED = "removed", _("Removed")

    TRANSITIONS = {Status.ACTIVE: {Status.REMOVED}}

    profile = models.ForeignKey(InvestorProfile, on_delete=models.PROTECT, related_name="wallets")
    address = models.CharField(max_length=42)  # EIP-55 checksummed
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    class Custody(models.TextChoices):
        SELF = "self", _("Self-custodied")
        PLATFORM = "platform", _("Kept by the trust bank")

    # True once a registry.register_wallet outbox row was written for it.
    on_registry = models.BooleanField(default=False)
    #: Who holds the key: the investor (proven by signature) or the platform's custody signer
    #: (investors/custody.py), which signs only instructions the investor confirmed.
    custody = models.CharField(_("custody"), max_length=8, choices=Custody.choices, default=Custody.SELF)
    #: The private key of a platform-custodied wallet, encrypted under the custody signer's
    #: key ring (empty for self-custodied wallets and for signers that keep keys elsewhere).
    custody_key = EncryptedTextField(blank=True, default="")
    verified_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # A wallet is bound to one investor for ever on chain: never to two profiles here.
            models.UniqueConstraint(fields=["address"], condition=Q(status="active"),
                                    name="investors_wallet_active_unique"),
        ]

    def __str__(self) -> str:
        return self.address


class WalletChallenge(models.Model):
    """One message to sign (EIP-191 personal_sign) with a server nonce; single use."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    address = models.CharField(max_length=42)
    nonce = models.CharField(max_length=64, unique=True)
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.address} {self.nonce}"


class TaxProfile(models.Model):
    """What the paying agent withholds from this investor's coupons, dividends and distributions.

    Residence is the profile's tax residency (else its residence country) and individual vs
    corporate is its kind; this row adds what changes the rate: an exemption (a public-interest
    corporation, a tax-exempt account) or a reduced treaty rate, each with the basis on file and
    the compliance officer who checked it. No row: the rate table's rate for residence and kind
    (servicing.withholding)."""

    class Exemption(models.TextChoices):
        NONE = "none", _("None")
        EXEMPT = "exempt", _("Exempt from withholding")
        TREATY = "treaty", _("Reduced treaty rate")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tax_profile")
    exemption = models.CharField(_("withholding exemption"), max_length=8, choices=Exemption.choices,
                                 default=Exemption.NONE)
    treaty_rate = models.DecimalField(_("treaty rate (%)"), max_digits=7, decimal_places=4, null=True, blank=True)
    basis = models.CharField(_("basis (certificate or reference)"), max_length=200, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tax profile")
        constraints = [
            models.CheckConstraint(
                condition=(Q(exemption="treaty", treaty_rate__isnull=False, treaty_rate__gte=0, treaty_rate__lte=100)
                           | (~Q(exemption="treaty") & Q(treaty_rate__isnull=True))),
                name="investors_taxprofile_treaty_rate"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.exemption}"
