"""Joining an organization and choosing the one you act in.

An issuer admin's invitation (issuance.services.members.invitation_create) changes nothing
for the invitee: only the invitee, signed in with the invited e-mail address and holding the
token from the e-mail, turns it into a membership (invitation_accept). A person in several
organizations acts in the one they chose (organization_activate); until they choose, anything
that creates objects "in my organization" is refused with 409 `organization_required`
(organization_active_require). Accepting never switches the organization someone acts in.

Reads and writes of this one use-case family live together here; the writes own their
transaction and write their audit events in it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from core.lifecycle import transition

from .models import Invitation, Membership, Organization, Role, User
from .services import _email_taken, _sign_up_checked

#: How long an invitation can be answered (settings.INVITATION_TTL_DAYS overrides).
INVITATION_TTL_DAYS = 7
EMAIL_MAX = Invitation._meta.get_field("email").max_length


# --- tokens --------------------------------------------------------------------------------

def invitation_token_new() -> tuple[str, str]:
    """A fresh random token and the hash stored in its place."""
    token = secrets.token_urlsafe(32)
    return token, invitation_token_hash(token)


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(str(token).encode("utf-8", "surrogatepass")).hexdigest()


def invitation_token_matches(invitation: Invitation, token: str | None) -> bool:
    """Compare in constant time (hmac.compare_digest) the hash of `token` with the stored one."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return False
    return hmac.compare_digest(invitation_token_hash(token), invitation.token_hash)


def invitation_expires_at():
    return timezone.now() + timedelta(days=getattr(settings, "INVITATION_TTL_DAYS", INVITATION_TTL_DAYS))


# --- reads ---------------------------------------------------------------------------------

def invitations_pending_for(*, user: User) -> QuerySet[Invitation]:
    """The invitations addressed to the user's e-mail address that can still be answered."""
    return (Invitation.objects.filter(email__iexact=user.email, status=Invitation.Status.PENDING,
                                      expires_at__gt=timezone.now())
            .select_related("organization", "invited_by").order_by("-created_at", "-id"))


def invitation_by_token(*, pk: int, token: str) -> Invitation:
    """The invitation a link from an e-mail names, whoever follows it: 404 unless the token
    matches (the page then asks the visitor to sign in or sign up as the invitee)."""
    invitation = Invitation.objects.select_related("organization").filter(pk=pk).first()
    if invitation is None or not invitation_token_matches(invitation, token):
        raise NotFoundError(_("This invitation link is not valid."), code="not_found")
    return invitation


def memberships_of(*, user: User) -> list[Membership]:
    return list(user.memberships.select_related("organization").order_by("organization__name", "organization_id"))


def organization_active_for(*, user: User) -> Organization | None:
    """The organization `user` acts in: the one they chose (if they still belong to it), else
    their only one. None when they belong to none, or to several and have chosen none."""
    if user is None or not user.is_authenticated:
        return None
    memberships = memberships_of(user=user)
    chosen = user.active_organization_id
    for m in memberships:
        if m.organization_id == chosen:
            return m.organization
    return memberships[0].organization if len(memberships) == 1 else None


def organization_choice_required(*, user: User) -> bool:
    """True when the user belongs to several organizations and has chosen none of them."""
    return (user.is_authenticated and organization_active_for(user=user) is None
            and user.memberships.count() > 1)


def organization_active_require(*, user: User) -> Organization | None:
    """organization_active_for, refusing (409 organization_required) when the user belongs
    to several organizations and has not chosen one: nothing is created in an organization
    they did not pick. None when they belong to none."""
    organization = organization_active_for(user=user)
    if organization is None and user.is_authenticated and user.memberships.count() > 1:
        raise ConflictError(
            _("You belong to several organizations. Choose the one you are working in first."),
            code="organization_required",
        )
    return organization


# --- writes --------------------------------------------------------------------------------

def organization_activate(*, organization_id: int, actor: User) -> Organization:
    """The person chooses the organization they act in. 404 unless they are a member."""
    with transaction.atomic(durable=True):
        user = User.objects.select_for_update().get(pk=actor.pk)
        membership = Membership.objects.select_related("organization").filter(
            user=user, organization_id=organization_id).first()
        if membership is None:
            raise NotFoundError(_("No such organization."), code="not_found")
        old = user.active_organization_id
        user.active_organization_id = membership.organization_id
        user.save(update_fields=["active_organization"])
        audit_record(action="user.organization_activated", actor=user, obj=user,
                     old={"organization": old}, new={"organization": membership.organization_id})
    actor.active_organization_id = membership.organization_id
    return membership.organization


def _invitation_answerable(invitation: Invitation, *, actor: User, token: str) -> None:
    """Who may answer: the invitee, signed in with the invited address, with the token."""
    if not actor.is_authenticated or invitation.email.lower() != actor.email.lower():
        raise NotFoundError(_("No such invitation."), code="not_found")
    if not invitation_token_matches(invitation, token):
        message = _("This invitation link is not valid. Open the link in your invitation e-mail.")
        raise PermissionDeniedError(message, code="invitation_token_invalid", fields={"token": [message]})
    if invitation.status != Invitation.Status.PENDING:
        raise ConflictError(_("This invitation has already been answered or withdrawn."), code="invitation_not_pending")


def _answer(*, pk: int, token: str, actor: User, to: str) -> Invitation:
    """Accept or decline; an invitation past its expiry is marked expired (that write is
    kept) and refused with 409 invitation_expired."""
    expired = False
    with transaction.atomic(durable=True):
        invitation = Invitation.objects.select_for_update().select_related("organization").filter(pk=pk).first()
        if invitation is None:
            raise NotFoundError(_("No such invitation."), code="not_found")
        _invitation_answerable(invitation, actor=actor, token=token)
        now = timezone.now()
        if invitation.expires_at <= now:
            transition(invitation, to=Invitation.Status.EXPIRED, actor=actor)
            expired = True
        elif to == Invitation.Status.ACCEPTED:
            _join(invitation, actor=actor)
        if not expired:
            transition(invitation, to=to, actor=actor)
            Invitation.objects.filter(pk=invitation.pk).update(decided_at=now)
            invitation.decided_at = now
    if expired:
        raise ConflictError(_("This invitation has expired. Ask the company's admin for a new one."),
                            code="invitation_expired")
    return invitation


def _join(invitation: Invitation, *, actor: User) -> Membership:
    """Create the membership; the organization the person acts in does not change: someone
    who so far belonged to exactly one organization keeps acting in it until they choose."""
    user = User.objects.select_for_update().get(pk=actor.pk)
    if user.role != Role.ISSUER:
        raise ConflictError(
            _("This account cannot join a company. Sign up with another e-mail address or ask the admin."),
            code="account_cannot_join")
    before = list(Membership.objects.filter(user=user).values_list("organization_id", flat=True))
    if invitation.organization_id in before:
        raise ConflictError(_("You are already a member of this organization."), code="already_member")
    try:
        with transaction.atomic():
            membership = Membership.objects.create(user=user, organization_id=invitation.organization_id,
                                                   role=invitation.role)
    except IntegrityError as exc:  # a concurrent accept of another invitation to the same organization
        raise ConflictError(_("You are already a member of this organization."), code="already_member") from exc
    kept = None
    if user.active_organization_id not in before and len(before) == 1:
        kept = before[0]
        user.active_organization_id = kept
        user.save(update_fields=["active_organization"])
        actor.active_organization_id = kept
    audit_record(action="membership.created", actor=user, obj=membership,
                 new={"email": user.email, "role": membership.role, "organization": invitation.organization_id,
                      "invitation": invitation.pk, "active_organization_kept": kept})
    return membership


def invitation_accept(*, pk: int, token: str, actor: User) -> Invitation:
    """The invitee joins the organization with the invited role. 404 not the invitee's,
    403 invitation_token_invalid, 409 invitation_not_pending | invitation_expired |
    already_member | account_cannot_join."""
    return _answer(pk=pk, token=token, actor=actor, to=Invitation.Status.ACCEPTED)


def invitation_decline(*, pk: int, token: str, actor: User) -> Invitation:
    """The invitee says no. Same refusals as invitation_accept (bar the membership ones)."""
    return _answer(pk=pk, token=token, actor=actor, to=Invitation.Status.DECLINED)


def invited_sign_up(*, pk: int, token: str, password: str, full_name: str = "") -> User:
    """Someone invited at an address with no account yet creates it from the invitation link
    (an issuer-role account for that address: the token proves the mailbox). They still
    accept or decline the invitation themselves afterwards."""
    invitation = invitation_by_token(pk=pk, token=token)
    if invitation.status != Invitation.Status.PENDING or invitation.expires_at <= timezone.now():
        raise ConflictError(_("This invitation has already been answered, withdrawn or has expired."),
                            code="invitation_not_pending")
    email, full_name = _sign_up_checked(email=invitation.email, password=password, full_name=full_name)
    try:
        with transaction.atomic(durable=True):
            user = User.objects.create_user(email=email, password=password, full_name=full_name, role=Role.ISSUER)
            audit_record(action="user.signed_up", actor=user, obj=user,
                         new={"email": email, "role": user.role, "invitation": invitation.pk})
    except IntegrityError as exc:
        raise _email_taken() from exc
    return user


def invitation_email_checked(email) -> str:
    """The invited address, normalized; 400 invalid_email / email_too_long otherwise."""
    email = (email if isinstance(email, str) else "").strip().lower()
    if len(email) > EMAIL_MAX:
        message = _("An e-mail address can have at most %(max)d characters.") % {"max": EMAIL_MAX}
        raise ApplicationError(message, code="email_too_long", fields={"email": [message]})
    try:
        validate_email(email)
    except ValidationError as exc:
        message = _("Enter a valid e-mail address.")
        raise ApplicationError(message, code="invalid_email", fields={"email": [message]}) from exc
    return email
