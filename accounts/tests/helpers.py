"""Plain helpers for the accounts stories (fixtures are in conftest.py files)."""

from __future__ import annotations

import re
import time

from django_otp.oath import TOTP


def wrong_totp(device) -> str:
    """A six-digit code that is certainly not valid for `device` around now (a fixed
    'wrong' code would match the real one once in a while)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now = time.time()
    near = set()
    for offset in range(-3, 4):
        totp.time = now + offset * device.step
        near.add(f"{totp.token():0{device.digits}d}")
    return next(code for code in ("000000", "111111", "222222", "333333", "444444") if code not in near)


def dashboard_title(response) -> str:
    match = re.search(r'data-testid="dashboard-title">([^<]*)<', response.content.decode())
    assert match, "not a dashboard page"
    return match.group(1).strip()


def founding_state() -> tuple[int, int, int, int]:
    """Users, organizations, memberships and founding/sign-up audit events: compare before
    and after a refusal to show that nothing was written."""
    from accounts.models import Membership, Organization, User
    from core.models import AuditEvent

    actions = ["user.signed_up", "organization.created", "membership.created"]
    return (User.objects.count(), Organization.objects.count(), Membership.objects.count(),
            AuditEvent.objects.filter(action__in=actions).count())


def api_token_for(user, *, two_factor_verified: bool | None = None, device: str = "tests") -> str:
    """An API token for `user` as POST /api/auth/token/ issues it (a knox token of one device);
    by default verified for 2FA exactly when the person needs it (staff ask with a TOTP code).
    Send it as HTTP_AUTHORIZATION=f"Token {key}"."""
    from accounts.credentials import ApiToken

    verified = user.requires_two_factor if two_factor_verified is None else two_factor_verified
    _instance, key = ApiToken.objects.create(user=user, name=device, two_factor_verified=verified)
    return key
