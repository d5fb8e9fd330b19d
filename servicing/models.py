"""The paying agent's records: corporate actions, the entitlement line of each holder of
record, and the payment batches that carry the lines to the chain.

A corporate action is created from a bond's schedule (coupons, the redemption at maturity)
or declared by the issuer (dividends, fund distributions, early calls), approved by a second
person, recorded at the end of its record date (the register's snapshot, checked against the
chain at the record block), then paid: in the cash token from the issuer's paying account in
batches through the outbox, or off chain against a payment file. Lines are written once from
the record snapshot; PostgreSQL refuses any change to what a line entitles (migration 0002).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

TOKEN_AMOUNT = {"max_digits": 78, "decimal_places": 0}
MONEY = {"max_digits": 24, "decimal_places": 2}


class CorporateAction(models.Model):
    class Kind(models.TextChoices):
        COUPON = "coupon", pgettext_lazy("corporate action kind", "Coupon")
        REDEMPTION = "redemption", _("Redemption at maturity")
        CALL = "call", _("Early call")
        DIVIDEND = "dividend", _("Dividend")
        DISTRIBUTION = "distribution", _("Fund distribution")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        RECORDED = "recorded", _("Recorded")
        PAYING = "paying", _("Paying")
        PAID = "paid", _("Paid")
        BLOCKED = "blocked", _("Blocked")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.SCHEDULED: {Status.RECORDED, Status.BLOCKED, Status.CANCELLED},
        Status.BLOCKED: {Status.RECORDED, Status.CANCELLED},
        Status.RECORDED: {Status.PAYING, Status.PAID},
        Status.PAYING: {Status.PAID},
    }

    class Method(models.TextChoices):
        CHAIN = "chain", _("Cash token on chain")
        OFFCHAIN = "offchain", _("Bank transfer (payment file)")

    #: Kinds that pay principal and burn the holders' tokens.
    REDEEMING = frozenset({Kind.REDEMPTION, Kind.CALL})

    security = models.ForeignKey("issuance.Security", on_delete=models.PROTECT, related_name="corporate_actions")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    #: A coupon's period number in the schedule (1..n); 0 for every other kind.
    sequence = models.PositiveIntegerField(default=0)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    method = models.CharField(_("payment method"), max_length=8, choices=Method.choices, default=Method.CHAIN)
    currency = models.CharField(_("currency"), max_length=3)
    declaration_date = models.DateField(_("declaration date"))
    record_date = models.DateField(_("record date"))
    ex_date = models.DateField(_("ex date"))
    payment_date = models.DateField(_("payment date"))
    accrual_start = models.DateField(_("accrual start"), null=True, blank=True)
    accrual_end = models.DateField(_("accrual end"), null=True, blank=True)
    #: The exact accrual fraction of a coupon (a day count like 1/365 has no finite decimal).
    fraction_numerator = models.BigIntegerField(null=True, blank=True)
    fraction_denominator = models.BigIntegerField(null=True, blank=True)
    rate = models.DecimalField(_("rate (% a year)"), max_digits=7, decimal_places=4, null=True, blank=True)
    #: Cash per whole unit: the coupon, dividend or distribution (a redemption's: its last coupon).
    per_unit_amount = models.DecimalField(_("amount per unit"), max_digits=24, decimal_places=6, default=0)
    #: Principal per whole unit paid by a redemption or call (face x redemption price).
    principal_per_unit = models.DecimalField(_("principal per unit"), max_digits=24, decimal_places=6, default=0)
    #: A dividend declared as a total, split over the holders by largest remainder.
    total_amount = models.DecimalField(_("total amount"), null=True, blank=True, **MONEY)
    #: A partial call: the units called in all, pro rata by largest remainder; null: all units.
    call_units = models.DecimalField(_("units called"), null=True, blank=True, **TOKEN_AMOUNT)
    record_block = models.PositiveBigIntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    gross_total = models.DecimalField(_("gross"), null=True, blank=True, **MONEY)
    withheld_total = models.DecimalField(_("withheld"), null=True, blank=True, **MONEY)
    net_total = models.DecimalField(_("net"), null=True, blank=True, **MONEY)
    line_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    blocked_reason = models.CharField(max_length=500, blank=True)
    #: The business date the issuer and operators were last told the paying account was short.
    funds_short_on = models.DateField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["payment_date", "id"]
        verbose_name = _("corporate action")
        constraints = [
            models.UniqueConstraint(fields=["security", "kind", "sequence"], condition=Q(kind="coupon"),
                                    name="servicing_action_coupon_once"),
            models.UniqueConstraint(fields=["security"], condition=Q(kind="redemption"),
                                    name="servicing_action_one_redemption"),
            models.CheckConstraint(condition=Q(record_date__lte=F("payment_date")),
                                   name="servicing_action_record_before_payment"),
            models.CheckConstraint(condition=Q(per_unit_amount__gte=0) & Q(principal_per_unit__gte=0),
                                   name="servicing_action_amounts_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.sequence} {self.security_id} {self.payment_date}"

    @property
    def redeems(self) -> bool:
        return self.kind in self.REDEEMING


class EntitlementLine(models.Model):
    """What one holder of record (one wallet) is owed by one action; written once."""

    class Status(models.TextChoices):
        DUE = "due", _("Due")
        SUBMITTED = "submitted", _("Being paid")
        PAID = "paid", _("Paid")

    action = models.ForeignKey(CorporateAction, on_delete=models.PROTECT, related_name="lines")
    investor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="entitlements")
    wallet = models.CharField(max_length=42)
    units = models.DecimalField(_("units held at record"), **TOKEN_AMOUNT)
    redeem_units = models.DecimalField(_("units redeemed"), default=0, **TOKEN_AMOUNT)
    gross = models.DecimalField(_("gross"), **MONEY)
    withheld = models.DecimalField(_("withheld"), **MONEY)
    net = models.DecimalField(_("net"), **MONEY)
    #: The part of gross that is principal (never taxed); 0 for income.
    principal = models.DecimalField(_("principal"), default=0, **MONEY)
    tax_rate = models.DecimalField(_("withholding rate (%)"), max_digits=7, decimal_places=4, default=0)
    tax_category = models.CharField(_("tax category"), max_length=64, blank=True)
    residence = models.CharField(_("tax residence"), max_length=2, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DUE)
    batch = models.ForeignKey("servicing.PaymentBatch", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="lines")
    #: The burn batch of a redemption's line (its units), once submitted.
    burn_batch = models.ForeignKey("servicing.PaymentBatch", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="burn_lines")
    burned = models.BooleanField(default=False)
    paid_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("entitlement line")
        constraints = [
            models.UniqueConstraint(fields=["action", "wallet"], name="servicing_line_one_per_wallet"),
            models.CheckConstraint(condition=Q(net=F("gross") - F("withheld")),
                                   name="servicing_line_net_plus_withheld"),
            models.CheckConstraint(condition=Q(withheld__gte=0) & Q(net__gte=0) & Q(units__gte=0)
                                   & Q(redeem_units__gte=0) & Q(principal__gte=0) & Q(principal__lte=F("gross")),
                                   name="servicing_line_amounts_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.action_id} {self.wallet} {self.net}"


class PaymentBatch(models.Model):
    """One chain transaction of an action: cash to many holders, or the burn of their units."""

    class Kind(models.TextChoices):
        CASH = "cash", _("Cash payment")
        BURN = "burn", _("Token burn")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("payment batch status", "Submitted")
        PAID = "paid", _("Confirmed")
        FAILED = "failed", _("Failed")

    TRANSITIONS = {Status.SUBMITTED: {Status.PAID, Status.FAILED}}

    action = models.ForeignKey(CorporateAction, on_delete=models.PROTECT, related_name="batches")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.CASH)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    outbox = models.OneToOneField("core.OutboxEntry", on_delete=models.PROTECT, related_name="payment_batch")
    total = models.DecimalField(_("total (base units)"), **TOKEN_AMOUNT)
    line_count = models.PositiveIntegerField()
    failure = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["action", "number"], name="servicing_batch_number_unique")]

    def __str__(self) -> str:
        return f"{self.action_id}/{self.number} {self.kind} {self.status}"
