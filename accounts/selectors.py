"""Reads for accounts, scoped by who asks."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .access import access_deny, sees_organization
from .models import Membership, Organization, Role, User


def organization_get_for(*, user: User, pk: int) -> Organization:
    """Members see their organization; compliance and operators see all. Anyone else gets
    404, not 403, so the page does not reveal that the organization exists (accounts.access)."""
    org = Organization.objects.filter(pk=pk).first()
    if org is not None and sees_organization(user, org.pk):
        return org
    access_deny(user, object_type="accounts.organization", object_id=pk, message=_("No such organization."))


def memberships_for(*, user: User) -> list[Membership]:
    return list(user.memberships.select_related("organization"))


def organization_missing(*, user: User) -> bool:
    """An issuer-role user who belongs to no organization yet: the dashboard offers to create
    the company (services.organization_create_check is the rule that decides)."""
    return user.role == Role.ISSUER and not user.memberships.exists()


def dashboard_kind(user: User) -> str:
    """Which dashboard a user lands on."""
    if user.role == Role.COMPLIANCE:
        return "compliance"
    if user.role == Role.OPERATOR or user.is_superuser:
        return "operator"
    if user.role == Role.CASH_AGENT:
        return "cash_agent"
    if user.role == Role.ISSUER:
        if user.memberships.filter(role=Membership.Role.ADMIN).exists():
            return "issuer_admin"
        return "issuer_member"
    return "investor"
