"""Reads of the paying agent, scoped by who asks (accounts.policy: corporate_action.read for
an issuer's actions; the approval desk for compliance and cash agents; an investor's own
income). Pages and the API of servicing read through these."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.access import desk_ensure
from accounts.models import User
from accounts.policy import Action, policy_ensure
from core.clock import business_today
from core.errors import NotFoundError
from issuance.models import Security

from .models import CorporateAction, EntitlementLine

Status = CorporateAction.Status
#: Statuses of actions that are still to be paid.
OPEN = (Status.SCHEDULED, Status.RECORDED, Status.PAYING, Status.BLOCKED)


def action_get_for(*, actor: User, pk: int) -> CorporateAction:
    """One action, for those who may read its issuer's actions (corporate_action.read);
    anyone else gets the policy's refusal (404 for those who may not see the issuer)."""
    action = CorporateAction.objects.select_related("security__issuer", "created_by", "approved_by").filter(
        pk=pk).first()
    if action is None:
        raise NotFoundError(_("Not found."))
    policy_ensure(actor, Action.CORPORATE_ACTION_READ, organization_id=action.security.issuer.organization_id)
    return action


def actions_of(*, security: Security) -> QuerySet[CorporateAction]:
    """Every action of a security, by payment date (the caller checked the reader)."""
    return CorporateAction.objects.filter(security=security).order_by("payment_date", "id")


def actions_upcoming(*, security: Security) -> QuerySet[CorporateAction]:
    """Actions still to pay (neither paid nor cancelled), overdue ones included, by payment date."""
    return actions_of(security=security).filter(status__in=OPEN)


def actions_due(*, security: Security) -> QuerySet[CorporateAction]:
    """Open actions whose payment date has come (business date)."""
    return actions_upcoming(security=security).filter(payment_date__lte=business_today())


def actions_past(*, security: Security) -> QuerySet[CorporateAction]:
    """Paid or cancelled actions, latest first."""
    return CorporateAction.objects.filter(security=security, status__in=[Status.PAID, Status.CANCELLED]).order_by(
        "-payment_date", "-id")


def actions_awaiting_approval(*, actor: User) -> QuerySet[CorporateAction]:
    """The approval desk (compliance officers, cash agents): open actions nobody approved yet,
    other than those the actor declared."""
    desk_ensure(actor, Action.CORPORATE_ACTION_APPROVE, object_type="servicing.corporateaction")
    return (CorporateAction.objects.select_related("security__issuer")
            .filter(status__in=[Status.SCHEDULED, Status.RECORDED, Status.BLOCKED], approved_by__isnull=True)
            .exclude(created_by=actor).order_by("payment_date", "id"))


def lines_of(*, action: CorporateAction) -> QuerySet[EntitlementLine]:
    """The action's entitlement lines, in the order they were written (by wallet)."""
    return EntitlementLine.objects.filter(action=action).select_related("investor").order_by("id")


def income_of(*, investor: User) -> QuerySet[EntitlementLine]:
    """An investor's own lines (coupons, dividends, distributions, redemptions), latest payment first."""
    return (EntitlementLine.objects.filter(investor=investor)
            .select_related("action__security").order_by("-action__payment_date", "-id"))
