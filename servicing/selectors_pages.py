"""Reads of the issuer's and the staff's servicing pages and API: who may see an action, a
security's actions split into upcoming and past, the funds check against the paying account,
the lines of an action page by page, and the staff desk's queues.

Visibility follows accounts.access: an issuer's people and the platform's staff readers
(compliance, operators) see the issuer's actions; cash agents, who approve payments (four
eyes), see every action too; anyone else gets the 404 an unknown id gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from accounts.access import access_deny, sees_organization
from accounts.models import Role, User
from core.forms import page_int
from issuance.models import Security
from ledger.models import ControlBook, Position

from .models import CorporateAction, EntitlementLine

#: Lines per page on the action page and in the API (an action may have 10,000 lines).
LINES_PER_PAGE = 100
MAX_LINES_PER_PAGE = 500
OPEN = (CorporateAction.Status.SCHEDULED, CorporateAction.Status.RECORDED, CorporateAction.Status.PAYING,
        CorporateAction.Status.BLOCKED)


def is_cash_agent(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.role == Role.CASH_AGENT


def sees_actions_of(user: User | None, organization_id: int | None) -> bool:
    """The issuer's people, compliance and operators (sees_organization), and cash agents."""
    return sees_organization(user, organization_id) or is_cash_agent(user)


def action_get_for(*, user: User, pk: int) -> CorporateAction:
    """The action with its security and issuer, or 404 (also for an action the user may not see)."""
    action = (CorporateAction.objects.select_related("security__issuer", "created_by", "approved_by")
              .filter(pk=pk).first())
    if action is not None and sees_actions_of(user, action.security.issuer.organization_id):
        return action
    access_deny(user, object_type="servicing.corporateaction", object_id=pk, message=_("No such corporate action."))


def security_get_for(*, user: User, pk: int) -> Security:
    """A security whose corporate actions the user may see, or 404."""
    security = Security.objects.select_related("issuer__treasury").filter(pk=pk).first()
    if security is not None and sees_actions_of(user, security.issuer.organization_id):
        return security
    access_deny(user, object_type="issuance.security", object_id=pk, message=_("No such security."))


def actions_of(*, security: Security) -> QuerySet[CorporateAction]:
    return (CorporateAction.objects.filter(security=security).select_related("created_by", "approved_by")
            .order_by("payment_date", "id"))


def lines_progress(*, action: CorporateAction) -> dict:
    """Lines paid of all, and the net of the lines still due (not paid, not in a batch in flight,
    whose cash is already held on the paying account)."""
    return action.lines.aggregate(
        total=Count("id"), paid=Count("id", filter=Q(status=EntitlementLine.Status.PAID)),
        due=Sum("net", filter=Q(status=EntitlementLine.Status.DUE), default=Decimal(0)))


@dataclass(frozen=True)
class FundsCheck:
    """The paying account's free cash against what the action still has to pay."""

    currency: str
    available: Decimal | None    # None: no treasury or no cash token of the currency yet
    needed: Decimal
    estimated: bool              # not recorded yet: the gross on today's outstanding units

    @property
    def short(self) -> bool:
        return self.available is None or self.available < self.needed

    @property
    def shortfall(self) -> Decimal:
        return max(self.needed - (self.available or Decimal(0)), Decimal(0))


def treasury_cash(*, security: Security, currency: str) -> Decimal | None:
    """Free cash of `currency` in the issuer's treasury wallet (None: no treasury or no token)."""
    from cash.amounts import money_of
    from cash.models import TrustAccount

    treasury_id = security.issuer.treasury_id
    account = TrustAccount.objects.filter(currency=currency).first()
    if treasury_id is None or account is None:
        return None
    free = sum((p.free for p in Position.objects.filter(investor_id=treasury_id, security_id=account.security_id)),
               0)
    return money_of(free, currency)


def amount_needed(action: CorporateAction) -> tuple[Decimal, bool]:
    """The net of the lines still due once recorded (compared with the paying account's free
    cash, which excludes what batches in flight hold); before that an estimate: the gross on
    the security's outstanding units today (withholding only lowers it)."""
    if action.status in (CorporateAction.Status.RECORDED, CorporateAction.Status.PAYING, CorporateAction.Status.PAID):
        return lines_progress(action=action)["due"], False
    if action.total_amount is not None:
        return action.total_amount, True
    outstanding = ControlBook.objects.filter(security_id=action.security_id).values_list("outstanding",
                                                                                         flat=True).first() or 0
    units = Decimal(int(outstanding)).scaleb(-action.security.decimals)
    if action.call_units is not None:
        units = Decimal(int(action.call_units)).scaleb(-action.security.decimals)
    return (action.per_unit_amount + action.principal_per_unit) * units, True


def funds_check(*, action: CorporateAction) -> FundsCheck:
    needed, estimated = amount_needed(action)
    return FundsCheck(currency=action.currency, available=treasury_cash(security=action.security,
                                                                        currency=action.currency),
                      needed=needed, estimated=estimated)


def lines_of(*, action: CorporateAction) -> QuerySet[EntitlementLine]:
    """The action's lines (investor read along), by line id."""
    return action.lines.select_related("investor").order_by("id")


def lines_page(*, action: CorporateAction, page: object = None, per_page: object = None,
               status: str = "") -> Page:
    """One page of the action's lines (investor and batch read along), by line id."""
    lines = lines_of(action=action)
    if status in EntitlementLine.Status.values:
        lines = lines.filter(status=status)
    size = min(page_int(per_page) or LINES_PER_PAGE, MAX_LINES_PER_PAGE)
    return Paginator(lines, size).get_page(page_int(page) or 1)


def desk_queues() -> dict:
    """The staff desk: actions awaiting the second person's approval, blocked ones, and those
    the paying account could not cover (funds_short_on set and not paid)."""
    base = CorporateAction.objects.select_related("security__issuer", "created_by").order_by("payment_date", "id")
    return {
        "to_approve": list(base.filter(approved_by__isnull=True, status__in=OPEN)[:200]),
        "blocked": list(base.filter(status=CorporateAction.Status.BLOCKED)[:200]),
        "short": list(base.filter(funds_short_on__isnull=False, status__in=OPEN)[:200]),
    }
