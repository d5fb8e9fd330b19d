"""Who may see and act on what: the predicates behind accounts.policy's table, and the ONE
way every app answers a refusal (access_deny: record `access_denied`, raise).

The rule for 404 versus 403 (README, "Who may do what"), the same on pages and in the API:
- 404 `not_found` when the actor may not see the object at all: another organization's
  issuer, security, offering or member; another investor's wallet, document or holding. The
  answer is the one an id that does not exist gets, so it reveals nothing.
- 403 when the actor may see the object but may not take this action on it (a member on an
  admin step; a compliance officer or an operator, who read every issuer's objects, on the
  issuer's own steps), and when the actor's role has no access to a desk at all (the KYC
  desk, issuer decisions, forced transfers, the chain mirror, the break desk). A desk
  refuses before it reads any object, for every id alike, so its 403 reveals nothing about
  any object either; an id that does not exist at a desk the actor may use is a 404.

Kinds of actor and the desks follow accounts.policy: a desk is open to exactly those who
may take its action (desk_ensure). Every refusal leaves one `access_denied` event: selectors
and desk gates record it at once; a refusal inside a service's transaction (access_deny
there, or policy_ensure) rolls back everything the service wrote, so its event travels on
the error and the edge that answers it records it (core.audit.audit_refused_access).
"""

from __future__ import annotations

from typing import NoReturn

from django.utils.translation import gettext_lazy as _

from core.audit import audit_refused_access
from core.db import in_transaction

from .models import Membership, Role, User
from .policy import NOT_FOUND, POLICY, Action, Refusal, policy_allows

NOT_AN_INVESTOR = Refusal(403, "not_an_investor", _("Only investor accounts have a KYC profile."))


def is_officer(user: User | None) -> bool:
    """A compliance officer."""
    return user is not None and user.is_authenticated and user.role == Role.COMPLIANCE


def is_operator(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.role == Role.OPERATOR


def is_staff_reader(user: User | None) -> bool:
    """Compliance officers and operators read every issuer's objects (not investors' own)."""
    return user is not None and user.is_authenticated and user.role in (Role.COMPLIANCE, Role.OPERATOR)


def member_role(user: User | None, organization_id: int | None) -> str | None:
    """'admin', 'member' or None (not a member) for this user in the organization."""
    if user is None or not user.is_authenticated or organization_id is None:
        return None
    return (Membership.objects.filter(user=user, organization_id=organization_id)
            .values_list("role", flat=True).first())


def sees_organization(user: User | None, organization_id: int | None) -> bool:
    """Whether the user may see an organization's objects: its members, compliance and operators."""
    return is_staff_reader(user) or member_role(user, organization_id) is not None


def sees_investor(user: User | None, investor_id: int) -> bool:
    """Whether the user may see an investor's own data (profile, KYC documents): the investor
    and compliance officers."""
    return user is not None and user.is_authenticated and (user.pk == investor_id or is_officer(user))


def investor_self_ensure(actor: User | None, *, user: User | None = None) -> None:
    """An investor's own steps (profile, KYC documents and submission, wallets): another
    person's data is a 404 (`user`: whose data the step touches), an account that is not an
    investor's gets 403 `not_an_investor` (a page its role lacks)."""
    if user is not None and (actor is None or actor.pk != user.pk):
        access_deny(actor, object_type="investors.investorprofile", object_id=user.pk, message=_("No such investor."))
    if actor is None or not actor.is_authenticated or actor.role != Role.INVESTOR:
        access_deny(actor, object_type="investors.investorprofile", refusal=NOT_AN_INVESTOR)


def access_deny(actor: User | None, *, object_type: str, object_id: object = "", refusal: Refusal = NOT_FOUND,
                message: str | None = None) -> NoReturn:
    """Record the refused access (`access_denied`) and raise the refusal's error (`message`
    replaces its text, e.g. "No such wallet."). Inside a transaction (a service's), which the
    refusal rolls back, the event travels on the error and the edge that answers records it
    (core.audit.audit_refused_access); outside one it is recorded at once."""
    error = refusal.error()
    if message is not None:
        error = type(error)(str(message), code=refusal.code)
    who = actor if actor is not None and actor.is_authenticated else None
    if who is not None:
        error.refused_access = {"actor": who, "object_type": object_type, "object_id": str(object_id)}
        if not in_transaction():
            audit_refused_access(error)
    raise error


def desk_ensure(actor: User | None, action: Action, *, object_type: str, object_id: object = "") -> None:
    """A platform desk (its pages, its API and its reads) is open to those who may take its
    action; anyone else gets the action's 403 refusal, before any object is read."""
    rule = POLICY[action]
    if rule.refusal is None:
        raise ValueError(f"{action} is not a platform desk's action")
    if not policy_allows(actor, action):
        access_deny(actor, object_type=object_type, object_id=object_id, refusal=rule.refusal)
