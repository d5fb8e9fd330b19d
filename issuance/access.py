"""Who may do what to an issuer's objects. Services call these inside their transaction;
selectors call them first and record `access_denied` when they refuse (so the refusal is
audited even though the service's own transaction never starts)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Membership, Role
from accounts.policy import Action, policy_ensure
from core.audit import audit_record
from core.errors import NotFoundError, PermissionDeniedError


def member_role(user, issuer) -> str | None:  # noqa: ANN001
    """'admin', 'member' or None for this user in the issuer's organization."""
    if user is None or not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=user, organization_id=issuer.organization_id)
        .values_list("role", flat=True)
        .first()
    )


def is_staff_reader(user) -> bool:  # noqa: ANN001
    return user.is_authenticated and user.role in (Role.COMPLIANCE, Role.OPERATOR)


def ensure_member(actor, issuer, *, admin: bool = False, what: str = "issuer") -> str:  # noqa: ANN001
    """Raise NotFoundError for a non-member (no oracle), PermissionDeniedError for a member
    without the admin role when admin is required."""
    role = member_role(actor, issuer)
    if role is None:
        raise NotFoundError(_("Not found."), code="not_found")
    if admin and role != Membership.Role.ADMIN:
        raise PermissionDeniedError(_("Only an issuer admin may do this."), code="admin_required")
    return role


def ensure_compliance(actor) -> None:  # noqa: ANN001
    """The issuer-decision desk (pages and API refuse before the service does)."""
    policy_ensure(actor, Action.ISSUER_DECIDE)


def deny(user, *, object_type: str, object_id) -> NotFoundError:  # noqa: ANN001
    """Record the refused access in its own transaction; return the 404 to raise."""
    with transaction.atomic():
        audit_record(action="access_denied", actor=user, object_type=object_type, object_id=str(object_id))
    return NotFoundError(_("Not found."), code="not_found")
