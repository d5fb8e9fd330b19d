"""Cash held in trust: one trust account per currency (the fiat the trust bank holds behind
that currency's cash token), its append-only entries, and the deposits and withdrawals that
move fiat in and out against mints and burns of the cash token.

Invariant (cash.invariants): at every commit, the cash token's control book outstanding
equals the trust account's recorded balance in the token's base units. A deposit credits the
trust account in the same transaction as its mint; a withdrawal debits it in the same
transaction as its burn (the fiat is then owed to the holder until the payout is marked paid).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from investors.fields import EncryptedTextField

MONEY = {"max_digits": 20, "decimal_places": 2}


class _InCurrency:
    """`amount` shown with its currency's minor unit (JPY 30000, USD 12.30)."""

    @property
    def amount_display(self) -> str:
        from core.money import MINOR_UNITS

        return str(self.amount.quantize(Decimal(1).scaleb(-MINOR_UNITS.get(self.currency, 2))))


class TrustAccount(models.Model):
    """The segregated trust account of one currency, and the cash token issued against it."""

    currency = models.CharField(_("currency"), max_length=3, unique=True)
    security = models.OneToOneField("issuance.Security", on_delete=models.PROTECT, related_name="trust_account")
    bank_account = models.CharField(_("bank account"), max_length=200)
    balance = models.DecimalField(_("recorded balance"), default=0, **MONEY)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["currency"]
        verbose_name = _("trust account")
        constraints = [models.CheckConstraint(condition=Q(balance__gte=0), name="cash_trust_balance_nonnegative")]

    def __str__(self) -> str:
        return f"{self.currency} {self.balance}"


class TrustEntry(models.Model):
    """One movement of a trust account: a deposit's credit or a payout's debit. Append-only: the
    database refuses UPDATE and DELETE (migration 0002)."""

    class Kind(models.TextChoices):
        DEPOSIT_CREDIT = "deposit_credit", _("Deposit credited")
        PAYOUT_DEBIT = "payout_debit", _("Payout debited")

    account = models.ForeignKey(TrustAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    balance_after = models.DecimalField(_("balance after"), **MONEY)
    reference = models.CharField(_("reference"), max_length=64)
    actor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("trust entry")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="cash_entry_amount_positive")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.reference})"


class CashDeposit(_InCurrency, models.Model):
    """Fiat sent to the trust account for a wallet: requested by its holder (an investor, or an
    issuer admin for the issuer's treasury), recorded by a cash agent when the money arrived,
    approved by a second cash agent above the limit, then minted to the wallet."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Awaiting the transfer")
        RECEIVED = "received", _("Received, awaiting a second approval")
        MINTED = "minted", _("Credited")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.REQUESTED: {Status.RECEIVED, Status.MINTED, Status.CANCELLED},
        Status.RECEIVED: {Status.MINTED, Status.CANCELLED},
    }

    holder = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="cash_deposits")
    wallet = models.CharField(_("wallet"), max_length=42)
    currency = models.CharField(_("currency"), max_length=3)
    amount = models.DecimalField(_("amount"), **MONEY)
    reference = models.CharField(_("reference"), max_length=16, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    bank_reference = models.CharField(_("bank reference"), max_length=64, blank=True)
    value_date = models.DateField(_("value date"), null=True, blank=True)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.OneToOneField("ledger.TokenAction", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("cash deposit")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="cash_deposit_amount_positive")]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount} {self.currency} [{self.status}]"


class CashWithdrawal(_InCurrency, models.Model):
    """Cash tokens burned at the holder's request against a payout of the fiat from the trust
    account, which a cash agent marks paid once the bank transfer left."""

    class Status(models.TextChoices):
        BURNED = "burned", _("Burned, payout pending")
        PAID = "paid", _("Paid out")

    TRANSITIONS = {Status.BURNED: {Status.PAID}}

    holder = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="cash_withdrawals")
    wallet = models.CharField(_("wallet"), max_length=42)
    currency = models.CharField(_("currency"), max_length=3)
    amount = models.DecimalField(_("amount"), **MONEY)
    reference = models.CharField(_("reference"), max_length=16, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.BURNED)
    #: Where to pay (bank, branch, account, name): personal data, encrypted at rest.
    payout_details = EncryptedTextField(_("payout bank details"))
    paid_reference = models.CharField(_("payment reference"), max_length=64, blank=True)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    paid_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    paid_at = models.DateTimeField(null=True, blank=True)
    action = models.OneToOneField("ledger.TokenAction", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("cash withdrawal")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="cash_withdrawal_amount_positive")]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount} {self.currency} [{self.status}]"
