"""Staff accounts: operators (and superusers) invite compliance officers, operators and cash
agents by e-mail; the invitee creates the account from the link.

An invitation names the e-mail address and the role; only a hash of its token is stored and at
most one invitation per address is pending. The link opens a page where the invitee sets their
name and password (staff_invitation_accept): that creates the account with the invited role and
signs them in, and the 2FA middleware (accounts.middleware) then takes them through
authenticator enrolment before any other page, since every staff role requires two factors.
An address that already has an account cannot be invited: its role is never changed this way.
Every write owns its transaction and leaves its audit events in it; the e-mail goes after commit.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import ApplicationError, ConflictError, NotFoundError
from core.lifecycle import transition

from .access import desk_ensure
from .memberships import invitation_email_checked, invitation_expires_at, invitation_token_matches, invitation_token_new
from .models import StaffInvitation, User
from .policy import Action, policy_ensure
from .services import _email_taken, _sign_up_checked

logger = logging.getLogger(__name__)
Status = StaffInvitation.Status


# --- who may -------------------------------------------------------------------------------

def staff_desk_ensure(actor: User | None) -> None:
    """The staff page is open to operators and superusers; anyone else gets 403
    operator_required (recorded as access_denied) before anything is read."""
    if actor is not None and actor.is_authenticated and actor.is_superuser:
        return
    desk_ensure(actor, Action.STAFF_INVITE, object_type="accounts.staffinvitation")


def _ensure_may_invite(actor: User) -> None:
    if not (actor.is_authenticated and actor.is_superuser):
        policy_ensure(actor, Action.STAFF_INVITE)


# --- reads ---------------------------------------------------------------------------------

def staff_invitations(*, actor: User, limit: int = 100) -> QuerySet[StaffInvitation]:
    """The latest invitations, newest first (for the staff page)."""
    staff_desk_ensure(actor)
    return StaffInvitation.objects.select_related("invited_by", "user").order_by("-created_at", "-id")[:limit]


def staff_members() -> QuerySet[User]:
    """The platform's staff accounts (for the staff page)."""
    return User.objects.filter(role__in=StaffInvitation.ROLES).order_by("role", "email")


def staff_invitation_by_token(*, pk: int, token: str) -> StaffInvitation:
    """The invitation an e-mailed link names: 404 unless the token matches."""
    invitation = StaffInvitation.objects.filter(pk=pk).first()
    if invitation is None or not invitation_token_matches(invitation, token):
        raise NotFoundError(_("This invitation link is not valid."), code="not_found")
    return invitation


# --- writes --------------------------------------------------------------------------------

def _send(invitation_pk: int, token: str, base_url: str) -> None:
    """The e-mail to the invitee, in the inviter's language at the time, with the link."""
    invitation = StaffInvitation.objects.select_related("invited_by").get(pk=invitation_pk)
    link = base_url.rstrip("/") + reverse("accounts:staff-join", args=[invitation.pk, token])
    with translation.override(invitation.language or settings.LANGUAGE_CODE):
        context = {"invitation": invitation, "link": link, "role": invitation.get_role_display(),
                   "inviter": invitation.invited_by.get_full_name(), "expires_at": invitation.expires_at}
        subject = render_to_string("accounts/staff_invitation_email_subject.txt", context).strip()
        body = render_to_string("accounts/staff_invitation_email.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    except OSError:  # SMTP down: the invitation stands (revoke and invite again); no 500 after commit
        logger.exception("staff invitation %s: the e-mail could not be sent", invitation_pk)


def _expire_stale(*, email: str, actor: User) -> None:
    stale = StaffInvitation.objects.select_for_update().filter(
        email__iexact=email, status=Status.PENDING, expires_at__lte=timezone.now())
    for invitation in stale:
        transition(invitation, to=Status.EXPIRED, actor=actor)


@transaction.atomic(durable=True)
def staff_invite(*, email: str, role: str, actor: User, base_url: str = "") -> StaffInvitation:
    """Invite `email` as a compliance officer, operator or cash agent. 403 operator_required
    (not an operator or superuser); 400 invalid_email | email_too_long | invalid_role;
    409 email_taken (the address has an account) | invitation_pending (revoke it first)."""
    _ensure_may_invite(actor)
    email = invitation_email_checked(email)
    if role not in StaffInvitation.ROLES:
        message = _("Choose compliance officer, operator or cash agent.")
        raise ApplicationError(message, code="invalid_role", fields={"role": [message]})
    if User.objects.filter(email__iexact=email).exists():
        raise _email_taken()
    _expire_stale(email=email, actor=actor)
    pending = _("An invitation to this address is already pending. Revoke it to send a new one.")
    if StaffInvitation.objects.filter(email__iexact=email, status=Status.PENDING).exists():
        raise ConflictError(pending, code="invitation_pending", fields={"email": [pending]})
    token, token_hash = invitation_token_new()
    try:
        with transaction.atomic():
            invitation = StaffInvitation.objects.create(
                email=email, role=role, invited_by=actor, token_hash=token_hash,
                language=translation.get_language() or "", expires_at=invitation_expires_at())
    except IntegrityError as exc:  # a concurrent invitation of the same address won the race
        raise ConflictError(pending, code="invitation_pending", fields={"email": [pending]}) from exc
    audit_record(action="staff_invitation.created", actor=actor, obj=invitation,
                 new={"email": email, "role": role, "expires_at": invitation.expires_at.isoformat()})
    url = base_url or getattr(settings, "ISSUANCE_SITE_URL", "")
    transaction.on_commit(lambda: _send(invitation.pk, token, url))
    return invitation


@transaction.atomic(durable=True)
def staff_invitation_revoke(*, pk: int, actor: User) -> StaffInvitation:
    """Withdraw a pending invitation. 403 operator_required; 404; 409 invitation_not_pending."""
    _ensure_may_invite(actor)
    invitation = StaffInvitation.objects.select_for_update().filter(pk=pk).first()
    if invitation is None:
        raise NotFoundError(_("No such invitation."), code="not_found")
    if invitation.status != Status.PENDING:
        raise ConflictError(_("This invitation has already been answered or withdrawn."), code="invitation_not_pending")
    transition(invitation, to=Status.REVOKED, actor=actor)
    _decided(invitation)
    return invitation


def _decided(invitation: StaffInvitation, **also) -> None:
    now = timezone.now()
    StaffInvitation.objects.filter(pk=invitation.pk).update(decided_at=now, **also)
    invitation.decided_at = now
    for name, value in also.items():
        setattr(invitation, name, value)


def staff_invitation_accept(*, pk: int, token: str, password: str, full_name: str = "") -> User:
    """The invitee creates their account with the invited role (the token proves the
    mailbox). 404 not_found (no such invitation or a wrong token); 400 weak_password;
    409 invitation_not_pending | invitation_expired (that write is kept) | email_taken."""
    expired = False
    with transaction.atomic(durable=True):
        invitation = StaffInvitation.objects.select_for_update().filter(pk=pk).first()
        if invitation is None or not invitation_token_matches(invitation, token):
            raise NotFoundError(_("This invitation link is not valid."), code="not_found")
        if invitation.status != Status.PENDING:
            raise ConflictError(_("This invitation has already been answered, withdrawn or has expired."),
                                code="invitation_not_pending")
        if invitation.expires_at <= timezone.now():
            transition(invitation, to=Status.EXPIRED, actor=None)
            _decided(invitation)
            expired = True
            user = None
        else:
            email, full_name = _sign_up_checked(email=invitation.email, password=password, full_name=full_name)
            try:
                with transaction.atomic():
                    user = User.objects.create_user(email=email, password=password, full_name=full_name,
                                                    role=invitation.role)
            except IntegrityError as exc:
                raise _email_taken() from exc
            audit_record(action="user.created", actor=user, obj=user,
                         new={"email": email, "role": user.role, "staff_invitation": invitation.pk,
                              "invited_by": invitation.invited_by_id})
            transition(invitation, to=Status.ACCEPTED, actor=user)
            _decided(invitation, user=user)
    if expired:
        raise ConflictError(_("This invitation has expired. Ask an operator for a new one."),
                            code="invitation_expired")
    return user
