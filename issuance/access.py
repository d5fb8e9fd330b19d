"""Reading helpers for an issuer's objects: the actor's membership role, staff readers, and
the audited 404 selectors raise (so a refusal is audited even though no service transaction
starts). Who may WRITE what is accounts.policy (the services call policy_ensure)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Membership, Role
from accounts.policy import Action, policy_ensure
from core.audit import audit_record
from core.errors import NotFoundError


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


def ensure_compliance(actor) -> None:  # noqa: ANN001
    """The issuer-decision desk (pages and API refuse before the service does)."""
    policy_ensure(actor, Action.ISSUER_DECIDE)


def deny(user, *, object_type: str, object_id) -> NotFoundError:  # noqa: ANN001
    """Record the refused access in its own transaction; return the 404 to raise."""
    with transaction.atomic():
        audit_record(action="access_denied", actor=user, object_type=object_type, object_id=str(object_id))
    return NotFoundError(_("Not found."), code="not_found")
