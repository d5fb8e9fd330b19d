"""Demo users for `make run`: one per role, staff with a TOTP device whose key is derived
from the e-mail so the printed secret is stable across restarts. Never used in production:
the command refuses to run with DEBUG off unless forced."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.audit import audit_record

from .models import Membership, Organization, Role, User

DEMO_PASSWORD = "shoken-demo-2026"
DEMO_ORGANIZATION = "Sakura Robotics K.K."


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    role: str
    membership: str | None = None


DEMO_USERS = [
    DemoUser("investor@demo.shoken.test", "Hanako Investor", Role.INVESTOR),
    DemoUser("issuer.admin@demo.shoken.test", "Taro Issuer-Admin", Role.ISSUER, Membership.Role.ADMIN),
    DemoUser("issuer.member@demo.shoken.test", "Jiro Issuer-Member", Role.ISSUER, Membership.Role.MEMBER),
    DemoUser("compliance@demo.shoken.test", "Keiko Compliance", Role.COMPLIANCE),
    # a second officer, so the four-eyes reviews (high-risk KYC cases) can be completed in the demo
    DemoUser("compliance2@demo.shoken.test", "Yuki Second-Officer", Role.COMPLIANCE),
    DemoUser("operator@demo.shoken.test", "Ken Operator", Role.OPERATOR),
    # the trust bank's staff (cash/): the second approves the first's large deposits
    DemoUser("cash@demo.shoken.test", "Sachiko Cash-Agent", Role.CASH_AGENT),
    DemoUser("cash2@demo.shoken.test", "Goro Cash-Agent", Role.CASH_AGENT),
]


def demo_totp_key(email: str) -> bytes:
    return hashlib.sha256(f"shoken-demo-totp:{email}".encode()).digest()[:20]


def totp_secret_base32(key: bytes) -> str:
    return base64.b32encode(key).decode().rstrip("=")


def demo_lines() -> list[str]:
    """The demo loader registered with core.demo: create the users, say how to sign in."""
    lines = [f"Demo users (password for all: {DEMO_PASSWORD}):"]
    for user, secret in load_demo_users():
        line = f"  {user.role:<11} {user.email}"
        if secret:
            line += f"   TOTP secret {secret}  (or: python manage.py totp_code {user.email})"
        lines.append(line)
    officers = [spec.email for spec in DEMO_USERS if spec.role == Role.COMPLIANCE]
    lines.append(f"  Four eyes: a high-risk KYC case needs two officers ({' then '.join(officers)}).")
    return lines


@transaction.atomic
def load_demo_users() -> list[tuple[User, str | None]]:
    """Create what is missing; leave existing rows (and changed passwords) alone."""
    org, org_created = Organization.objects.get_or_create(name=DEMO_ORGANIZATION)
    if org_created:
        audit_record(action="organization.created", obj=org, new={"name": org.name, "source": "demo_data"})
    result = []
    for spec in DEMO_USERS:
        user = User.objects.filter(email=spec.email).first()
        if user is None:
            user = User.objects.create_user(
                email=spec.email, password=DEMO_PASSWORD, full_name=spec.full_name, role=spec.role
            )
            audit_record(action="user.created", obj=user,
                         new={"email": user.email, "role": user.role, "source": "demo_data"})
        if spec.membership:
            Membership.objects.get_or_create(user=user, organization=org, defaults={"role": spec.membership})
        secret = None
        if user.requires_two_factor:
            key = demo_totp_key(user.email)
            TOTPDevice.objects.get_or_create(
                user=user, name="Demo authenticator", defaults={"key": key.hex(), "confirmed": True}
            )
            secret = totp_secret_base32(key)
        result.append((user, secret))
    return result
