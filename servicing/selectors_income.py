"""Reads for the investor's own income: their entitlement lines (past and due), estimates of
the payments scheduled on what they hold, and the yearly tax statement. Every read here is
scoped to one investor by the caller's own account: another investor's lines never appear
(the views pass request.user; investors.access checks the role first).

A line's payment date is its action's payment date (the business date the payment is for),
so a statement does not depend on the moment a batch happened to be mined.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.clock import business_today
from core.errors import NotFoundError
from core.money import MINOR_UNITS, from_base_units
from investors.models import InvestorProfile
from investors.tax import format_rate, tax_situation
from issuance.models import Security
from ledger.models import Position

from .models import CorporateAction, EntitlementLine
from .withholding import withholding_for

INTEREST, DIVIDEND, DISTRIBUTION = "interest", "dividend", "distribution"
#: The income a kind of action pays (a redemption's or call's income is its last coupon).
INCOME_KIND = {
    CorporateAction.Kind.COUPON: INTEREST, CorporateAction.Kind.REDEMPTION: INTEREST,
    CorporateAction.Kind.CALL: INTEREST, CorporateAction.Kind.DIVIDEND: DIVIDEND,
    CorporateAction.Kind.DISTRIBUTION: DISTRIBUTION,
}
INCOME_LABELS = {INTEREST: gettext_lazy("Interest"), DIVIDEND: gettext_lazy("Dividend"),
                 DISTRIBUTION: gettext_lazy("Distribution")}
#: Whose withholding rules apply when the investor holds nothing yet (the platform's home market).
DEFAULT_SOURCE = "JP"
#: The first year a statement can be asked for (before the platform existed: nothing to state).
FIRST_TAX_YEAR = 2000
#: Lines not yet paid, and the actions whose lines are not written yet.
OPEN_LINES = (EntitlementLine.Status.DUE, EntitlementLine.Status.SUBMITTED)
ESTIMATED = (CorporateAction.Status.SCHEDULED, CorporateAction.Status.BLOCKED)


def _minor(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2))


@dataclass
class Total:
    """Sums of lines in one currency (and, on a statement, one income kind). Never mixes currencies."""

    currency: str
    income_kind: str = ""
    gross: Decimal = Decimal(0)
    principal: Decimal = Decimal(0)
    withheld: Decimal = Decimal(0)
    net: Decimal = Decimal(0)
    count: int = 0

    @property
    def income_label(self) -> str:
        return str(INCOME_LABELS.get(self.income_kind, ""))

    def add(self, line: EntitlementLine) -> None:
        self.gross += line.gross
        self.principal += line.principal
        self.withheld += line.withheld
        self.net += line.net
        self.count += 1


def totals_of(lines, *, by_kind: bool = False) -> list[Total]:
    """Sums per currency (and per income kind with `by_kind`), sorted; lines need their action."""
    sums: dict[tuple[str, str], Total] = {}
    for line in lines:
        key = (line.action.currency, INCOME_KIND[line.action.kind] if by_kind else "")
        sums.setdefault(key, Total(*key)).add(line)
    return [sums[key] for key in sorted(sums)]


# -- lines ---------------------------------------------------------------------------------

def income_lines(*, investor: User, security_id: int | None = None, wallet: str = "",
                 status: str = "") -> QuerySet[EntitlementLine]:
    """The investor's own lines, newest payment first, with their action and security."""
    qs = (EntitlementLine.objects.filter(investor=investor)
          .exclude(action__status=CorporateAction.Status.CANCELLED)
          .select_related("action__security"))
    if security_id:
        qs = qs.filter(action__security_id=security_id)
    if wallet:
        qs = qs.filter(wallet__iexact=wallet)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-action__payment_date", "-id")


def income_choices(*, investor: User) -> tuple[list[tuple[int, str]], list[str]]:
    """The securities and wallets the investor's filters offer: those of their lines and of
    what they hold now."""
    security_ids = set(EntitlementLine.objects.filter(investor=investor).values_list("action__security_id", flat=True))
    held = Position.objects.filter(investor=investor, balance__gt=0).exclude(security__kind=Security.Kind.CASH)
    security_ids |= set(held.values_list("security_id", flat=True))
    securities = Security.objects.filter(pk__in=security_ids).order_by("name", "id")
    wallets = set(EntitlementLine.objects.filter(investor=investor).values_list("wallet", flat=True))
    wallets |= set(held.values_list("wallet", flat=True))
    return [(s.pk, f"{s.name} ({s.symbol})") for s in securities], sorted(wallets)


# -- upcoming ------------------------------------------------------------------------------

@dataclass
class Upcoming:
    """A payment the investor can expect: their written line (amounts known), or an estimate
    from what they hold today for an action not recorded yet."""

    action: CorporateAction
    wallet: str
    units: Decimal                  # whole units
    gross: Decimal | None           # None: not known yet (a dividend declared as a total)
    withheld: Decimal | None
    net: Decimal | None
    estimate: bool
    line: EntitlementLine | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def security(self) -> Security:
        return self.action.security

    @property
    def per_unit(self) -> Decimal:
        return self.action.per_unit_amount


def _whole(units: Decimal, security: Security) -> Decimal:
    return from_base_units(int(units), security.decimals)


def _estimate(action: CorporateAction, wallet: str, balance: Decimal, rate: Decimal) -> Upcoming:
    security = action.security
    units = _whole(balance, security)
    item = Upcoming(action=action, wallet=wallet, units=units, gross=None, withheld=None, net=None, estimate=True)
    if action.kind == CorporateAction.Kind.DIVIDEND and action.total_amount is not None and not action.per_unit_amount:
        item.notes.append(_("Declared as a total: your share is known at the record date."))
        return item
    rounding = ROUND_DOWN if security.coupon_rounding == Security.Rounding.DOWN else ROUND_HALF_UP
    minor = _minor(action.currency)
    income = (action.per_unit_amount * units).quantize(minor, rounding=rounding)
    principal = Decimal(0)
    if action.redeems:
        if action.call_units is None:
            principal = (action.principal_per_unit * units).quantize(minor, rounding=rounding)
        else:
            item.notes.append(_("Partial call: the units called from you are set pro rata at the record date."))
    withheld = (income * rate / 100).quantize(minor, rounding=ROUND_DOWN)
    item.gross, item.withheld, item.net = income + principal, withheld, income + principal - withheld
    return item


def income_upcoming(*, investor: User, security_id: int | None = None, wallet: str = "",
                    limit: int = 100) -> list[Upcoming]:
    """What the investor can expect, soonest first: their lines not paid yet, then, for the
    actions of what they hold that are not recorded yet, an estimate from today's holdings
    (labelled as such: the record date's holdings decide)."""
    items = [Upcoming(action=line.action, wallet=line.wallet, units=_whole(line.units, line.action.security),
                      gross=line.gross, withheld=line.withheld, net=line.net, estimate=False, line=line)
             for line in income_lines(investor=investor, security_id=security_id, wallet=wallet)
             .filter(status__in=OPEN_LINES)[:limit]]
    held = Position.objects.filter(investor=investor, balance__gt=0).exclude(security__kind=Security.Kind.CASH)
    if security_id:
        held = held.filter(security_id=security_id)
    if wallet:
        held = held.filter(wallet__iexact=wallet)
    positions: dict[int, list[Position]] = defaultdict(list)
    for position in held:
        positions[position.security_id].append(position)
    if positions:
        today = business_today()
        actions = (CorporateAction.objects.filter(security_id__in=positions, status__in=ESTIMATED,
                                                  payment_date__gte=today)
                   .select_related("security__issuer").order_by("payment_date", "id")[:limit])
        rates: dict[tuple[str, str], Decimal] = {}
        for action in actions:
            # the record close withholds by the issuer's jurisdiction (servicing.services.record)
            key = (action.security.issuer.jurisdiction, INCOME_KIND[action.kind])
            if key not in rates:
                rates[key] = withholding_for(investor=investor, income=key[1], source=key[0]).rate
            items += [_estimate(action, p.wallet, p.balance, rates[key]) for p in positions[action.security_id]]
    items.sort(key=lambda item: (item.action.payment_date, item.action.pk, item.wallet))
    return items[:limit]


def upcoming_totals(items: list[Upcoming]) -> list[Total]:
    """Sums per currency of the upcoming payments whose amounts are known or estimated."""
    sums: dict[str, Total] = {}
    for item in items:
        if item.gross is None:
            continue
        total = sums.setdefault(item.action.currency, Total(item.action.currency))
        total.gross += item.gross
        total.withheld += item.withheld
        total.net += item.net
        total.count += 1
    return [sums[key] for key in sorted(sums)]


@dataclass(frozen=True)
class RateNote:
    """What the investor is withheld on one kind of income paid by issuers of one jurisdiction, and why."""

    income_kind: str
    rate: Decimal
    category: str
    residence: str
    source: str

    @property
    def income_label(self) -> str:
        return str(INCOME_LABELS[self.income_kind])

    @property
    def rate_text(self) -> str:
        return format_rate(self.rate)


def withholding_notes(*, investor: User) -> list[RateNote]:
    """The withholding rate of each kind of income for this investor today (their tax
    profile's exemption or treaty rate applied), per jurisdiction of the issuers whose
    securities they hold or were paid by (JP, the platform's home, when none yet): the
    investor-facing description of the rate, which the profile page (investors app) cannot give."""
    securities, _wallets = income_choices(investor=investor)
    sources = sorted(set(Security.objects.filter(pk__in=[pk for pk, _label in securities])
                         .values_list("issuer__jurisdiction", flat=True))) or [DEFAULT_SOURCE]
    notes = []
    for source in sources:
        for kind in INCOME_LABELS:
            held = withholding_for(investor=investor, income=kind, source=source)
            notes.append(RateNote(kind, held.rate, held.category, held.residence, source))
    return notes


# -- the yearly tax statement ---------------------------------------------------------------

@dataclass
class TaxStatement:
    year: int
    legal_name: str
    residence: str
    holder_kind: str            # "individual" | "corporate"
    exemption: str              # investors.TaxProfile.Exemption value
    lines: list[EntitlementLine]
    totals: list[Total]
    holder_kind_label: str = ""
    exemption_label: str = ""


def tax_year_check(year: int) -> int:
    """A year a statement can be asked for: FIRST_TAX_YEAR .. the current business year; any
    other number is a 404 (as if the statement did not exist)."""
    if not FIRST_TAX_YEAR <= year <= business_today().year:
        raise NotFoundError(_("No tax statement for that year."), code="not_found")
    return year


def tax_statement(*, investor: User, year: int) -> TaxStatement:
    """Every paid line of the investor whose payment date falls in `year` (1 January to 31
    December inclusive), with totals per currency and income kind."""
    tax_year_check(year)
    lines = list(EntitlementLine.objects
                 .filter(investor=investor, status=EntitlementLine.Status.PAID,
                         action__payment_date__gte=date(year, 1, 1), action__payment_date__lte=date(year, 12, 31))
                 .select_related("action__security").order_by("action__payment_date", "id"))
    profile = InvestorProfile.objects.filter(user=investor).first()
    situation = tax_situation(user=investor)
    return TaxStatement(year=year, legal_name=(profile.legal_name if profile else "") or investor.email,
                        residence=situation.residence, holder_kind=situation.holder_kind,
                        exemption=situation.exemption, lines=lines, totals=totals_of(lines, by_kind=True),
                        holder_kind_label=situation.holder_kind_label, exemption_label=situation.exemption_label)


def income_kind_label(line: EntitlementLine) -> str:
    return str(INCOME_LABELS[INCOME_KIND[line.action.kind]])
