"""Writes for accounts: sign-up (investors, and companies with their first admin), founding
an organization, sign-in bookkeeping, TOTP enrolment."""

from __future__ import annotations

import unicodedata

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.audit import audit_record, audit_record_many
from core.errors import ApplicationError, ConflictError, PermissionDeniedError

from .models import Membership, Organization, Role, User
from .sessions import user_sessions_end
from .signals import user_signed_up

ORGANIZATION_NAME_MAX = Organization._meta.get_field("name").max_length


def _email_taken() -> ApplicationError:
    taken = _("An account with this e-mail address already exists. Sign in or reset your password.")
    return ApplicationError(taken, code="email_taken", fields={"email": [taken]})


def _language() -> str:
    """The language the person signs up in (the page's), kept for what we send them later."""
    return (translation.get_language() or "")[:8]


def _sign_up_checked(*, email: str, password: str, full_name: str) -> tuple[str, str]:
    """Check what every sign-up needs (a valid free e-mail, a password Django's validators
    accept); return the normalized e-mail and full name. Writes nothing."""
    email = (email or "").strip().lower()
    full_name = (full_name or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ApplicationError(_("Enter a valid e-mail address."), code="invalid_email",
                               fields={"email": [_("Enter a valid e-mail address.")]}) from exc
    candidate = User(email=email, full_name=full_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), code="weak_password", fields={"password": exc.messages}) from exc
    if User.objects.filter(email__iexact=email).exists():
        raise _email_taken()
    return email, full_name


def user_sign_up(*, email: str, password: str, full_name: str = "") -> User:
    """Create an investor account. Issuer staff are invited by their company's admin (or sign
    up their own company, see company_sign_up), staff are created by operators; nobody picks
    a privileged role for themselves."""
    email, full_name = _sign_up_checked(email=email, password=password, full_name=full_name)
    try:
        with transaction.atomic(durable=True):
            user = User.objects.create_user(email=email, password=password, full_name=full_name, role=Role.INVESTOR,
                                            language=_language())
            audit_record(action="user.signed_up", actor=user, obj=user, new={"email": email, "role": user.role})
            user_signed_up.send(sender=User, user=user)
    except IntegrityError as exc:  # a concurrent sign-up won the race on the unique index
        raise _email_taken() from exc
    return user


def company_sign_up(*, email: str, password: str, company_name: str, full_name: str = "") -> Membership:
    """A company's representative signs up: a new issuer-role account, a new Organization and
    the person as its admin, in one transaction (all or nothing). The role is fixed here, not
    taken from input. Next steps (2FA, then the issuer application in issuance/) are the
    caller's to lead to."""
    name = _organization_name_checked(company_name, field="company_name")
    email, full_name = _sign_up_checked(email=email, password=password, full_name=full_name)
    try:
        with transaction.atomic(durable=True):
            user = User.objects.create_user(email=email, password=password, full_name=full_name, role=Role.ISSUER,
                                            language=_language())
            audit_record(action="user.signed_up", actor=user, obj=user, new={"email": email, "role": user.role})
            membership = _organization_found(name=name, founder=user)
            user_signed_up.send(sender=User, user=user)
    except IntegrityError as exc:  # a concurrent sign-up won the race on the unique index
        raise _email_taken() from exc
    return membership


def organization_create_check(*, actor: User) -> None:
    """Refuse unless `actor` may found a company now: the issuer role, and no organization
    yet (one company per person; joining a second one is by invitation). Investors, compliance
    staff and operators never found one. Pages call this to refuse before showing the form."""
    if not actor.is_authenticated or actor.role != Role.ISSUER:
        raise PermissionDeniedError(
            _("Only issuer accounts can create a company. Sign up your company with a new account instead."),
            code="issuer_role_required",
        )
    if actor.memberships.exists():
        raise ConflictError(_("You already belong to an organization and cannot create another one."),
                            code="already_in_organization")


def organization_create(*, name: str, actor: User) -> Membership:
    """A signed-in issuer without an organization founds one and becomes its admin."""
    organization_create_check(actor=actor)
    name = _organization_name_checked(name, field="name")
    with transaction.atomic(durable=True):
        locked = User.objects.select_for_update().get(pk=actor.pk)  # one founding per person at a time
        organization_create_check(actor=locked)
        return _organization_found(name=name, founder=locked)


def _organization_name_checked(name: str, *, field: str) -> str:
    """The company name, trimmed: required, at most ORGANIZATION_NAME_MAX characters.
    Names are not unique: companies in different places share names, and identity is
    established by the issuer application (registration number, jurisdiction) that
    compliance reviews. A refusal here would let a squatter block the real company."""
    name = " ".join(str(name or "").split())  # tabs, newlines and runs of spaces become one space
    if not name:
        message = _("Enter the company name.")
        raise ApplicationError(message, code="name_required", fields={field: [message]})
    if len(name) > ORGANIZATION_NAME_MAX:
        message = _("The company name can have at most %(max)d characters.") % {"max": ORGANIZATION_NAME_MAX}
        raise ApplicationError(message, code="name_too_long", fields={field: [message]})
    if any(unicodedata.category(ch) == "Cc" for ch in name):  # NUL would even fail in PostgreSQL
        message = _("The company name cannot contain control characters.")
        raise ApplicationError(message, code="name_invalid", fields={field: [message]})
    return name


def _organization_found(*, name: str, founder: User) -> Membership:
    """Create the organization and its first admin, with their audit events. Runs inside the
    caller's transaction. The events note whether the name was already in use, for
    compliance's review (the founder is not told: it would reveal who else is here)."""
    name_in_use = Organization.objects.filter(name__iexact=name).exists()
    organization = Organization.objects.create(name=name)
    membership = Membership.objects.create(user=founder, organization=organization, role=Membership.Role.ADMIN)
    audit_record_many([
        {"action": "organization.created", "actor": founder, "obj": organization,
         "new": {"name": name, "name_already_in_use": name_in_use}},
        {"action": "membership.created", "actor": founder, "obj": membership,
         "new": {"email": founder.email, "role": membership.role, "organization": organization.pk}},
    ])
    return membership


def user_signed_in(*, user: User) -> None:
    """Record the sign-in, and the language the person now uses the site in (their e-mails
    and notifications follow it)."""
    with transaction.atomic():
        audit_record(action="user.signed_in", actor=user, obj=user)
        language = _language()
        if language and language != user.language:
            User.objects.filter(pk=user.pk).update(language=language)
            user.language = language


def user_sign_in_failed(*, email: str, locked: bool) -> None:
    with transaction.atomic():
        audit_record(
            action="user.sign_in_locked" if locked else "user.sign_in_failed",
            object_type="accounts.user",
            object_id=email[:64],
        )


def password_reset_throttled(*, email: str) -> None:
    """A reset request beyond the limits: no mail was sent (the requester is not told)."""
    with transaction.atomic():
        audit_record(action="user.password_reset_throttled", object_type="accounts.user", object_id=email[:64])


def user_password_changed(*, user: User, via: str, keep_session_key: str | None = None) -> None:
    """Record a new password and end the person's other sessions and all API tokens
    (whoever knew the old password is signed out everywhere)."""
    with transaction.atomic():
        audit_record(action="user.password_changed", actor=user, obj=user, new={"via": via})
        user_sessions_end(user=user, reason=f"password_{via}", actor=user, keep_session_key=keep_session_key)


def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """Return the user's unconfirmed TOTP device, creating one if needed."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
            audit_record(action="totp.enrolment_started", actor=user, obj=user)
    return device


def totp_enrolment_confirm(*, user: User, token: str) -> TOTPDevice:
    """Confirm the pending device with a code from the app; a wrong code changes nothing."""
    token = (token or "").strip().replace(" ", "")
    with transaction.atomic(durable=True):
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
        if device is None:
            raise ApplicationError(_("There is no authenticator enrolment in progress."), code="no_enrolment")
        if not token.isdigit() or not device.verify_token(token):
            message = _("That code is not valid. Check the time on your phone and try again.")
            raise ApplicationError(message, code="invalid_totp", fields={"token": [message]})
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(action="totp.enrolled", actor=user, obj=user)
    return device


def totp_verify(*, user: User, token: str) -> TOTPDevice:
    """Check a sign-in code against the user's confirmed devices (django-otp throttles
    repeated failures per device)."""
    token = (token or "").strip().replace(" ", "")
    devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    for device in devices:
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            raise ApplicationError(_("Too many wrong codes. Wait a little and try again."), code="totp_throttled")
        if token.isdigit() and device.verify_token(token):
            return device
    with transaction.atomic():
        audit_record(action="totp.failed", actor=user, obj=user)
    message = _("That code is not valid. Check the time on your phone and try again.")
    raise ApplicationError(message, code="invalid_totp", fields={"token": [message]})
