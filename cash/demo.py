"""Demo data for the cash app (`make run`): two cash agents (the second approves deposits
above the limit), the JPY and USD cash tokens, and the demo issuer's treasury. Idempotent."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import DEMO_PASSWORD, demo_totp_key, totp_secret_base32
from accounts.models import Role, User
from core.audit import audit_record
from issuance.models import Issuer
from issuance.treasury import treasury_open

from .services import cash_token_create

DEMO_AGENTS = [("cash@demo.shoken.test", "Sachiko Cash-Agent"), ("cash2@demo.shoken.test", "Goro Cash-Agent")]


@transaction.atomic
def _agent(email: str, name: str) -> tuple[User, str]:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=name, role=Role.CASH_AGENT)
        audit_record(action="user.created", obj=user, new={"email": email, "role": user.role, "source": "demo_data"})
    key = demo_totp_key(email)
    TOTPDevice.objects.get_or_create(user=user, name="Demo authenticator", defaults={"key": key.hex(),
                                                                                      "confirmed": True})
    return user, totp_secret_base32(key)


def demo_lines() -> list[str]:
    lines = []
    agents = []
    for email, name in DEMO_AGENTS:
        user, secret = _agent(email, name)
        agents.append(user)
        lines.append(f"  cash_agent  {email}   TOTP secret {secret}  (or: python manage.py totp_code {email})")
    for currency in ("JPY", "USD"):
        account = cash_token_create(currency=currency, actor=agents[0])
        lines.append(f"Cash: {account.security.symbol} held in trust at {account.bank_account} (desk: /cash/desk/)")
    cash_token_create(currency="JPY", actor=agents[1])     # the second agent joins the trust bank too
    officer = User.objects.filter(role=Role.COMPLIANCE).order_by("id").first()
    for issuer in Issuer.objects.filter(status=Issuer.Status.APPROVED, treasury__isnull=True).exclude(
            securities__kind="cash"):
        with transaction.atomic():
            treasury_open(issuer=issuer, actor=officer or agents[0])
        lines.append(f"Cash: {issuer.legal_name}'s treasury wallet opened (its admins see /cash/treasury/)")
    return lines
