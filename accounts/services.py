"""Writes for accounts: sign-up, sign-in bookkeeping, TOTP enrolment."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.audit import audit_record
from core.errors import ApplicationError

from .models import Role, User


def user_sign_up(*, email: str, password: str, full_name: str = "") -> User:
    """Create an investor account. Issuer people are invited by their organization, staff
    are created by operators; nobody picks a privileged role for themselves."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ApplicationError(_("Enter a valid e-mail address."), code="invalid_email", fields={"email": [_("Enter a valid e-mail address.")]}) from exc
    candidate = User(email=email, full_name=full_name.strip())
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), code="weak_password", fields={"password": exc.messages}) from exc
    taken = _("An account with this e-mail address already exists. Sign in or reset your password.")
    if User.objects.filter(email__iexact=email).exists():
        raise ApplicationError(taken, code="email_taken", fields={"email": [taken]})
    try:
        with transaction.atomic(durable=True):
            user = User.objects.create_user(email=email, password=password, full_name=full_name.strip(), role=Role.INVESTOR)
            audit_record(action="user.signed_up", actor=user, obj=user, new={"email": email, "role": user.role})
    except IntegrityError as exc:  # a concurrent sign-up won the race on the unique index
        raise ApplicationError(taken, code="email_taken", fields={"email": [taken]}) from exc
    return user


def user_signed_in(*, user: User) -> None:
    with transaction.atomic():
        audit_record(action="user.signed_in", actor=user, obj=user)


def user_sign_in_failed(*, email: str, locked: bool) -> None:
    with transaction.atomic():
        audit_record(
            action="user.sign_in_locked" if locked else "user.sign_in_failed",
            object_type="accounts.user",
            object_id=email[:64],
        )


def user_password_changed(*, user: User, via: str) -> None:
    with transaction.atomic():
        audit_record(action="user.password_changed", actor=user, obj=user, new={"via": via})


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
