"""The issuer admin invites people by e-mail and sets their role.

An invitation creates no account and no membership: the invitee accepts it (or not) with the
token from the e-mail (accounts.memberships.invitation_accept). Creating one answers the same,
and sends the same e-mail, whether or not the address belongs to an account and whatever
organizations that account is in, so the answer tells the inviter nothing about other
companies' people. Only a hash of the token is stored; the e-mail is sent after commit."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.memberships import invitation_email_checked, invitation_expires_at, invitation_token_new
from accounts.models import Invitation, Membership, User
from accounts.policy import Action, policy_ensure
from accounts.sessions import user_sessions_end
from core.audit import audit_record
from core.errors import ConflictError, NotFoundError
from core.lifecycle import transition

from ..models import Issuer
from ._common import invalid

logger = logging.getLogger(__name__)


def _send_invitation(invitation_pk: int, token: str, base_url: str) -> None:
    """The e-mail to the invitee, in their language when their account has one (else the
    inviter's at the time), with the link that accepts (after sign-in or sign-up)."""
    invitation = Invitation.objects.select_related("organization", "invited_by").get(pk=invitation_pk)
    account_language = User.objects.filter(email__iexact=invitation.email).values_list("language", flat=True).first()
    language = account_language or invitation.language or settings.LANGUAGE_CODE
    link = base_url.rstrip("/") + reverse("accounts:invitation-open", args=[invitation.pk, token])
    context = {"invitation": invitation, "link": link, "organization": invitation.organization.name,
               "inviter": invitation.invited_by.get_full_name()}
    with translation.override(language):
        subject = render_to_string("issuance/invitation_email_subject.txt", context).strip()
        body = render_to_string("issuance/invitation_email.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    except OSError:  # SMTP down: the invitation stands (the admin can revoke and resend); no 500 after commit
        logger.exception("invitation %s: the e-mail could not be sent", invitation_pk)


def _expire_stale(*, organization_id: int, email: str, actor: User) -> None:
    stale = Invitation.objects.select_for_update().filter(
        organization_id=organization_id, email__iexact=email, status=Invitation.Status.PENDING,
        expires_at__lte=timezone.now())
    for invitation in stale:
        transition(invitation, to=Invitation.Status.EXPIRED, actor=actor)


@transaction.atomic(durable=True)
def member_invite(*, issuer: Issuer, email: str, role: str, actor: User, base_url: str = "") -> Invitation:
    """Invite `email` into the issuer's organization as `role`. 400 invalid_email |
    email_too_long | invalid_role; 409 already_member (a member of this organization: the
    admin sees them on the members page) | invitation_pending (revoke it to send another)."""
    policy_ensure(actor, Action.MEMBER_INVITE, organization_id=issuer.organization_id)
    email = invitation_email_checked(email)
    if role not in Membership.Role.values:
        raise invalid(_("Choose admin or member."), field="role", code="invalid_role")
    if Membership.objects.filter(organization_id=issuer.organization_id, user__email__iexact=email).exists():
        raise ConflictError(_("This person is already a member."), code="already_member")
    _expire_stale(organization_id=issuer.organization_id, email=email, actor=actor)
    token, token_hash = invitation_token_new()
    pending = _("An invitation to this address is already pending. Revoke it to send a new one.")
    if Invitation.objects.filter(organization_id=issuer.organization_id, email__iexact=email,
                                 status=Invitation.Status.PENDING).exists():
        raise ConflictError(pending, code="invitation_pending")
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                organization_id=issuer.organization_id, email=email, role=role, invited_by=actor,
                token_hash=token_hash, language=translation.get_language() or "", expires_at=invitation_expires_at())
    except IntegrityError as exc:  # a concurrent invitation of the same address won the race
        raise ConflictError(pending, code="invitation_pending") from exc
    audit_record(action="invitation.created", actor=actor, obj=invitation,
                 new={"email": email, "role": role, "organization": issuer.organization_id,
                      "expires_at": invitation.expires_at.isoformat()})
    url = base_url or getattr(settings, "ISSUANCE_SITE_URL", "")
    transaction.on_commit(lambda: _send_invitation(invitation.pk, token, url))
    return invitation


@transaction.atomic(durable=True)
def invitation_revoke(*, issuer: Issuer, pk: int, actor: User) -> Invitation:
    """An issuer admin withdraws a pending invitation of their organization. 404 for another
    organization's; 409 invalid_transition once answered, revoked or expired."""
    policy_ensure(actor, Action.MEMBER_INVITE, organization_id=issuer.organization_id)
    invitation = Invitation.objects.select_for_update().filter(pk=pk, organization_id=issuer.organization_id).first()
    if invitation is None:
        raise NotFoundError(_("No such invitation."), code="not_found")
    if invitation.status != Invitation.Status.PENDING:
        raise ConflictError(_("This invitation has already been answered or withdrawn."), code="invitation_not_pending")
    transition(invitation, to=Invitation.Status.REVOKED, actor=actor)
    now = timezone.now()
    Invitation.objects.filter(pk=invitation.pk).update(decided_at=now)
    invitation.decided_at = now
    return invitation


@transaction.atomic(durable=True)
def member_role_set(*, membership: Membership, role: str, actor: User) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    issuer = Issuer.objects.get(organization_id=membership.organization_id)
    policy_ensure(actor, Action.MEMBER_ROLE_SET, organization_id=issuer.organization_id)
    if role not in Membership.Role.values:
        raise invalid(_("Choose admin or member."), field="role", code="invalid_role")
    if membership.role == Membership.Role.ADMIN and role != Membership.Role.ADMIN:
        admins = Membership.objects.select_for_update().filter(organization_id=membership.organization_id,
                                                               role=Membership.Role.ADMIN)
        if len(admins) <= 1:
            raise ConflictError(_("An issuer needs at least one admin."), code="last_admin")
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(action="membership.role_changed", actor=actor, obj=membership, old={"role": old}, new={"role": role})
    if old != role:  # a promotion needs 2FA the old sessions and tokens never passed (issue 11, item 3)
        user_sessions_end(user=membership.user, reason="role_changed", actor=actor)
    return membership
