"""Role-aware navigation for base.html, from the registry in core.navigation."""

from functools import cached_property

from core import navigation

from .memberships import invitations_pending_for, memberships_of, organization_active_for
from .models import Role
from .selectors import dashboard_kind


def navigation_items(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_role": ""}
    kind = dashboard_kind(user)
    return {"nav_items": [(i.url_name, i.label) for i in navigation.items_for(kind)], "nav_role": kind,
            "org_context": OrganizationContext(user)}


class OrganizationContext:
    """The header's organization switcher and invitations link, read only when a template
    uses them (and only for issuer-role people: nobody else has memberships)."""

    def __init__(self, user) -> None:
        self.user = user

    @cached_property
    def memberships(self) -> list:
        return memberships_of(user=self.user) if self.user.role == Role.ISSUER else []

    @cached_property
    def active(self):
        return organization_active_for(user=self.user) if len(self.memberships) > 1 else None

    @cached_property
    def pending_invitations(self) -> int:
        return invitations_pending_for(user=self.user).count() if self.user.role == Role.ISSUER else 0
