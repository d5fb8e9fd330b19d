"""The register: append-only token actions, positions per security and wallet, a control
book per security, and four-eyes requests for forced transfers and recoveries.

TokenAction rows are never updated or deleted (PostgreSQL trigger, migration 0002). A
Position is the register's balance of one wallet in one security; its CHECK constraints
make a negative or over-frozen position impossible even for a buggy writer. The control book
is updated in the same transaction as the positions, so sum(positions) = issued - redeemed
= outstanding at every commit (ledger.invariants checks it).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Collate, Lower
from django.utils.translation import gettext_lazy as _

TOKEN_AMOUNT = {"max_digits": 78, "decimal_places": 0}


class TokenAction(models.Model):
    class Kind(models.TextChoices):
        ISSUE = "issue", _("Issue")
        TRANSFER = "transfer", _("Transfer")
        REDEEM = "redeem", _("Redemption")
        FORCED_TRANSFER = "forced_transfer", _("Forced transfer")
        FREEZE_WALLET = "freeze_wallet", _("Wallet frozen")
        UNFREEZE_WALLET = "unfreeze_wallet", _("Wallet unfrozen")
        FREEZE_TOKENS = "freeze_tokens", _("Tokens frozen")
        UNFREEZE_TOKENS = "unfreeze_tokens", _("Tokens unfrozen")
        RECOVER = "recover", _("Wallet recovery")
        PAUSE = "pause", _("Token paused")
        UNPAUSE = "unpause", _("Token unpaused")
        #: The two legs of a delivery-versus-payment settlement (ledger.models.settlement),
        #: written together when the chain confirmed it; a primary's security leg is an ISSUE.
        DVP_DELIVERY = "dvp_delivery", _("Delivery against payment")
        DVP_PAYMENT = "dvp_payment", _("Payment against delivery")
        #: Cash moved from an issuer's paying account to a holder of record by a corporate
        #: action's payment batch (servicing), written when the chain confirmed the batch.
        PAYMENT = "payment", _("Corporate action payment")

    class Origin(models.TextChoices):
        PLATFORM = "platform", _("Platform")
        CHAIN = "chain", _("Chain")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    security = models.ForeignKey("issuance.Security", on_delete=models.PROTECT, related_name="token_actions")
    from_investor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    from_wallet = models.CharField(_("from wallet"), max_length=42, blank=True)
    to_investor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_wallet = models.CharField(_("to wallet"), max_length=42, blank=True)
    amount = models.DecimalField(_("amount (base units)"), default=0, **TOKEN_AMOUNT)
    reason = models.TextField(_("reason"), blank=True)
    cause = models.CharField(_("cause"), max_length=200, blank=True)
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=200, unique=True)
    origin = models.CharField(max_length=8, choices=Origin.choices, default=Origin.PLATFORM)
    #: The chain action that mirrors this one; the two legs of a settlement share theirs.
    outbox = models.ForeignKey("core.OutboxEntry", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="token_actions")
    settlement = models.ForeignKey("ledger.Settlement", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="actions")
    block_number = models.PositiveBigIntegerField(null=True, blank=True)  # chain-originated only
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("token action")
        indexes = [models.Index(fields=["security", "id"], name="ledger_action_security_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="ledger_action_amount_nonnegative"),
            models.CheckConstraint(
                condition=Q(origin="chain") | Q(outbox__isnull=False), name="ledger_action_platform_has_outbox"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.security_id} ({self.idempotency_key})"


class Position(models.Model):
    security = models.ForeignKey("issuance.Security", on_delete=models.PROTECT, related_name="positions")
    investor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="positions")
    wallet = models.CharField(_("wallet"), max_length=42)  # EIP-55
    balance = models.DecimalField(_("balance"), default=0, **TOKEN_AMOUNT)
    frozen = models.DecimalField(_("frozen"), default=0, **TOKEN_AMOUNT)
    #: Units promised to a delivery-versus-payment settlement in flight (ledger.models.settlement):
    #: still the wallet's on chain, no longer free to move. frozen + held <= balance.
    held = models.DecimalField(_("held for settlement"), default=0, **TOKEN_AMOUNT)
    wallet_frozen = models.BooleanField(_("wallet frozen"), default=False)
    locked_until = models.DateField(_("locked until"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["security_id", "wallet"]
        verbose_name = _("position")
        indexes = [  # the cap table: a page's wallets by holder, and the wallet prefix search (case-insensitive)
            models.Index(fields=["security", "investor"], name="ledger_position_holder"),
            models.Index(F("security"), Collate(Lower("wallet"), "C"), name="ledger_position_wallet_ci"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["security", "wallet"], name="ledger_position_security_wallet_unique"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="ledger_position_balance_nonnegative"),
            models.CheckConstraint(
                condition=Q(frozen__gte=0) & Q(frozen__lte=F("balance")), name="ledger_position_frozen_within_balance"
            ),
            models.CheckConstraint(
                condition=Q(held__gte=0) & Q(held__lte=F("balance") - F("frozen")),
                name="ledger_position_held_within_unfrozen",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.wallet} {self.balance} ({self.frozen} frozen, {self.held} held)"

    @property
    def free(self) -> int:
        """What may move now: the balance less the frozen part and the units held for a
        settlement in flight."""
        return int(self.balance) - int(self.frozen) - int(self.held)


class ControlBook(models.Model):
    """Per security: authorized (0 = no limit set), issued, redeemed, outstanding, paused."""

    security = models.OneToOneField("issuance.Security", on_delete=models.PROTECT, related_name="control_book")
    authorized = models.DecimalField(_("authorized"), default=0, **TOKEN_AMOUNT)
    issued = models.DecimalField(_("issued"), default=0, **TOKEN_AMOUNT)
    redeemed = models.DecimalField(_("redeemed"), default=0, **TOKEN_AMOUNT)
    outstanding = models.DecimalField(_("outstanding"), default=0, **TOKEN_AMOUNT)
    paused = models.BooleanField(_("paused"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("control book")
        constraints = [
            models.CheckConstraint(condition=Q(outstanding=F("issued") - F("redeemed")),
                                   name="ledger_book_outstanding"),
            models.CheckConstraint(condition=Q(outstanding__gte=0), name="ledger_book_outstanding_nonnegative"),
            models.CheckConstraint(
                condition=Q(authorized=0) | Q(outstanding__lte=F("authorized")), name="ledger_book_within_authorized"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.security_id}: {self.outstanding} outstanding"


class ComplianceRequest(models.Model):
    """A forced transfer or wallet recovery asked for by one compliance officer and carried
    out only when a different officer approves it (four eyes)."""

    class Kind(models.TextChoices):
        FORCED_TRANSFER = "forced_transfer", _("Forced transfer")
        RECOVER = "recover", _("Wallet recovery")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        EXECUTED = "executed", _("Approved and executed")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS = {Status.PENDING: {Status.EXECUTED, Status.REJECTED}}

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    security = models.ForeignKey("issuance.Security", on_delete=models.PROTECT, related_name="+")
    from_wallet = models.CharField(_("from wallet"), max_length=42)
    to_wallet = models.CharField(_("to wallet"), max_length=42)
    amount = models.DecimalField(_("amount (base units)"), default=0, **TOKEN_AMOUNT)
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    action = models.ForeignKey(TokenAction, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("compliance request")

    def __str__(self) -> str:
        return f"{self.kind} {self.from_wallet} -> {self.to_wallet} [{self.status}]"


class TransferRequest(models.Model):
    """An investor's instruction to move tokens from one of their wallets; checked by the
    rule engine and carried out at once (EXECUTED) or refused with the reason code."""

    class Status(models.TextChoices):
        EXECUTED = "executed", _("Executed")

    security = models.ForeignKey("issuance.Security", on_delete=models.PROTECT, related_name="+")
    investor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    from_wallet = models.CharField(_("from wallet"), max_length=42)
    to_wallet = models.CharField(_("to wallet"), max_length=42)
    amount = models.DecimalField(_("amount (base units)"), **TOKEN_AMOUNT)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.EXECUTED)
    action = models.ForeignKey(TokenAction, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("transfer request")

    def __str__(self) -> str:
        return f"{self.from_wallet} -> {self.to_wallet} {self.amount}"


class CapTableSnapshot(models.Model):
    """The register at the end of one past day: {wallet: [investor id, balance, frozen]},
    computed from the append-only action log (ledger.snapshots) and kept so an as-of cap
    table does not replay the whole history again. Only past days are snapshotted, so a
    snapshot never changes."""

    security = models.ForeignKey("issuance.Security", on_delete=models.PROTECT, related_name="+")
    as_of = models.DateField(_("as of"))
    #: Legacy form (and servicing tests' hand-made snapshots): {wallet: [investor, balance, frozen]}.
    positions = models.JSONField(default=dict)
    #: True once the day's rows are in SnapshotPosition / SnapshotHolder (ledger.snapshots, bulk).
    bulk = models.BooleanField(default=False)
    #: The day's totals, kept with the rows: investors with units, and the units held and frozen.
    holders = models.PositiveIntegerField(default=0)
    outstanding = models.DecimalField(default=0, **TOKEN_AMOUNT)
    frozen = models.DecimalField(default=0, **TOKEN_AMOUNT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-as_of"]
        verbose_name = _("cap table snapshot")
        constraints = [models.UniqueConstraint(fields=["security", "as_of"],
                                               name="ledger_snapshot_security_day_unique")]

    def __str__(self) -> str:
        return f"{self.security_id} as of {self.as_of}"
