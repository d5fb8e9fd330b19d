"""The issuer admin invites people by e-mail and sets their role. The invitation creates the
user (no usable password) and the membership; the e-mail carries a set-password link (the
password-reset confirmation page of accounts), sent after commit."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import Membership, Role, User
from accounts.sessions import user_sessions_end
from core.audit import audit_record
from core.errors import ConflictError

from ..access import ensure_member
from ..models import Issuer
from ._common import invalid


def _send_invitation(user_pk: int, issuer_name: str, base_url: str) -> None:
    user = User.objects.get(pk=user_pk)
    link = base_url.rstrip("/") + reverse(
        "accounts:password-reset-confirm",
        args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)],
    )
    send_mail(
        _("You are invited to %(issuer)s on Shoken") % {"issuer": issuer_name},
        _("You have been invited to join %(issuer)s on Shoken.\n\nSet your password here: %(link)s\n") % {"issuer": issuer_name, "link": link},
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )


@transaction.atomic(durable=True)
def member_invite(*, issuer: Issuer, email: str, role: str, actor: User, base_url: str = "") -> Membership:
    ensure_member(actor, issuer, admin=True)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise invalid(_("Enter a valid e-mail address."), field="email", code="invalid_email")
    if role not in Membership.Role.values:
        raise invalid(_("Choose admin or member."), field="role", code="invalid_role")
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and user.memberships.filter(organization_id=issuer.organization_id).exists():
        raise ConflictError(_("This person is already a member."), code="already_member")
    if user is not None and user.role != Role.ISSUER:
        raise ConflictError(_("This e-mail address belongs to an account that cannot join an issuer."), code="email_taken")
    created = user is None
    if created:
        user = User.objects.create_user(email=email, password=None, role=Role.ISSUER)
        audit_record(action="user.invited", actor=actor, obj=user, new={"email": email, "role": Role.ISSUER})
    membership = Membership.objects.create(user=user, organization_id=issuer.organization_id, role=role)
    audit_record(action="membership.created", actor=actor, obj=membership, new={"email": email, "role": role, "issuer": issuer.pk})
    name, url = issuer.legal_name, base_url or getattr(settings, "ISSUANCE_SITE_URL", "")
    transaction.on_commit(lambda: _send_invitation(user.pk, name, url))
    return membership


@transaction.atomic(durable=True)
def member_role_set(*, membership: Membership, role: str, actor: User) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    issuer = Issuer.objects.get(organization_id=membership.organization_id)
    ensure_member(actor, issuer, admin=True)
    if role not in Membership.Role.values:
        raise invalid(_("Choose admin or member."), field="role", code="invalid_role")
    if membership.role == Membership.Role.ADMIN and role != Membership.Role.ADMIN:
        admins = Membership.objects.select_for_update().filter(organization_id=membership.organization_id, role=Membership.Role.ADMIN)
        if len(admins) <= 1:
            raise ConflictError(_("An issuer needs at least one admin."), code="last_admin")
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(action="membership.role_changed", actor=actor, obj=membership, old={"role": old}, new={"role": role})
    if old != role:  # a promotion needs 2FA the old sessions and tokens never passed (issue 11, item 3)
        user_sessions_end(user=membership.user, reason="role_changed", actor=actor)
    return membership
