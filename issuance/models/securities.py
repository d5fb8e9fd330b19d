from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from compliance.rules import InvestorType, SecurityRules

TOKEN_AMOUNT = {"max_digits": 78, "decimal_places": 0}


class Regulation(models.TextChoices):
    """The exemption or regime a security is offered under; each carries preset rules."""

    NONE = "none", _("No preset (custom rules)")
    REG_D_506C = "reg_d_506c", _("US Reg D 506(c)")
    REG_S = "reg_s", _("US Reg S")
    FIEA_ERTR = "fiea_ertr", _("Japan FIEA electronically recorded transferable rights (qualified investors)")


#: Preset rule values per regulation: the security's own settings can only tighten them.
REGULATION_PRESETS: dict[str, dict] = {
    Regulation.NONE: {},
    Regulation.REG_D_506C: {"allowed_countries": ["US"], "accredited_only": True,
                            "investor_types": [InvestorType.ACCREDITED, InvestorType.QUALIFIED,
                                               InvestorType.PROFESSIONAL]},
    Regulation.REG_S: {"blocked_countries": ["US"]},
    Regulation.FIEA_ERTR: {"allowed_countries": ["JP"], "qualified_only": True,
                           "investor_types": [InvestorType.QUALIFIED, InvestorType.PROFESSIONAL]},
}

#: Token decimals follow the instrument: whole shares, whole bond units, fund units to 1e-6.
DECIMALS = {"equity": 0, "bond": 0, "fund": 6}
#: Cash token decimals per currency: yen has no minor unit, dollars have cents.
CASH_DECIMALS = {"JPY": 0, "USD": 2}


class Security(models.Model):
    class Kind(models.TextChoices):
        EQUITY = "equity", _("Equity")
        BOND = "bond", _("Bond")
        FUND = "fund", _("Fund units")
        #: The cash agent's trust-backed cash token of one currency (ledger.services.cash):
        #: held in the register like a security, never offered or traded on the board.
        CASH = "cash", _("Cash token")

    class CouponFrequency(models.TextChoices):
        ANNUAL = "annual", _("Annual")
        SEMIANNUAL = "semiannual", _("Semi-annual")
        QUARTERLY = "quarterly", _("Quarterly")
        MONTHLY = "monthly", _("Monthly")

    class DayCount(models.TextChoices):
        ACT_365F = "ACT/365F", "ACT/365F"
        ACT_360 = "ACT/360", "ACT/360"
        THIRTY_360 = "30/360", _("30/360 (bond basis)")
        THIRTY_E_360 = "30E/360", "30E/360"
        ACT_ACT_ICMA = "ACT/ACT ICMA", "ACT/ACT ICMA"

    class Calendar(models.TextChoices):
        """Business days for payment dates; blank: the currency's (JPY Japan, USD United States)."""

        JAPAN = "japan", _("Japan")
        UNITED_STATES = "united_states", _("United States")
        NONE = "none", _("None (every day is a business day)")

    class Convention(models.TextChoices):
        """How a payment date that is not a business day moves; blank: the currency's default
        (issuance.schedule says which and why)."""

        PRECEDING = "preceding", _("Preceding")
        FOLLOWING = "following", _("Following")
        MODIFIED_FOLLOWING = "modified_following", _("Modified following")

    class Rounding(models.TextChoices):
        HALF_UP = "half_up", _("Half up")
        DOWN = "down", _("Down")

    class Dealing(models.TextChoices):
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")

    issuer = models.ForeignKey("issuance.Issuer", on_delete=models.PROTECT, related_name="securities")
    kind = models.CharField(_("instrument"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    symbol = models.CharField(_("symbol"), max_length=11)
    currency = models.CharField(_("currency"), max_length=3)
    decimals = models.PositiveSmallIntegerField(default=0)
    # Equity terms
    share_class = models.CharField(_("share class"), max_length=64, blank=True)
    par_value = models.DecimalField(_("par value"), max_digits=20, decimal_places=2, null=True, blank=True)
    authorized_shares = models.DecimalField(_("authorized shares"), null=True, blank=True, **TOKEN_AMOUNT)
    # Bond terms
    face_value = models.DecimalField(_("face value per unit"), max_digits=20, decimal_places=2, null=True, blank=True)
    coupon_rate = models.DecimalField(_("coupon rate (% a year)"), max_digits=7, decimal_places=4, null=True,
                                      blank=True)
    coupon_frequency = models.CharField(_("coupon frequency"), max_length=12, choices=CouponFrequency.choices,
                                        blank=True)
    day_count = models.CharField(_("day-count convention"), max_length=16, choices=DayCount.choices, blank=True)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    maturity_date = models.DateField(_("maturity date"), null=True, blank=True)
    redemption_price = models.DecimalField(_("redemption price (% of face)"), max_digits=7, decimal_places=4,
                                           null=True, blank=True)
    # Coupon schedule terms (issuance.schedule): stubs, calendar, conventions, rounding, record date
    first_coupon_date = models.DateField(_("first coupon date"), null=True, blank=True)
    last_coupon_date = models.DateField(_("last regular coupon date before maturity"), null=True, blank=True)
    calendar = models.CharField(_("business-day calendar"), max_length=16, choices=Calendar.choices, blank=True)
    payment_convention = models.CharField(_("business-day convention"), max_length=20, choices=Convention.choices,
                                          blank=True)
    end_of_month = models.BooleanField(_("end-of-month rule"), default=False)
    accrual_adjusted = models.BooleanField(_("adjusted accrual periods"), default=False)
    coupon_rounding = models.CharField(_("coupon rounding"), max_length=8, choices=Rounding.choices,
                                       default=Rounding.HALF_UP)
    record_days = models.PositiveSmallIntegerField(_("record date (business days before payment)"), default=1)
    #: Set when the redemption at maturity (or a full call) has been paid and every token burned.
    matured_on = models.DateField(_("matured on"), null=True, blank=True)
    # Fund terms
    nav_per_unit = models.DecimalField(_("NAV per unit"), max_digits=20, decimal_places=2, null=True, blank=True)
    dealing_frequency = models.CharField(_("dealing frequency"), max_length=12, choices=Dealing.choices, blank=True)
    # Rule settings (see rules())
    regulation = models.CharField(_("regulation"), max_length=16, choices=Regulation.choices, default=Regulation.NONE)
    allowed_countries = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    blocked_countries = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    investor_types = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    accredited_only = models.BooleanField(_("accredited investors only"), default=False)
    qualified_only = models.BooleanField(_("qualified investors only"), default=False)
    min_holding = models.DecimalField(_("minimum holding (base units)"), default=0, **TOKEN_AMOUNT)
    max_holding = models.DecimalField(_("maximum holding (base units)"), default=0, **TOKEN_AMOUNT)
    max_holders = models.PositiveIntegerField(_("maximum number of holders"), default=0)
    lockup_until = models.DateField(_("lock-up until"), null=True, blank=True)
    deploy_requested_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("security")
        verbose_name_plural = _("securities")
        constraints = [models.UniqueConstraint(fields=["issuer", "symbol"], name="issuance_security_symbol_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.symbol})"

    def rules(self) -> SecurityRules:
        return SecurityRules(
            allowed_countries=frozenset(self.allowed_countries),
            blocked_countries=frozenset(self.blocked_countries),
            investor_types=frozenset(self.investor_types or InvestorType.ALL),
            accredited_only=self.accredited_only,
            qualified_only=self.qualified_only,
            min_holding=int(self.min_holding),
            max_holding=int(self.max_holding),
            max_holders=self.max_holders,
            lockup_until=self.lockup_until,
        )
