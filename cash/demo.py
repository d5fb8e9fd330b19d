"""Demo data for the cash app (`make run`): the JPY and USD cash tokens (created by the demo
cash agents of accounts/demo.py, who so join the trust bank) and the demo issuer's treasury.
Idempotent."""

from __future__ import annotations

from django.db import transaction

from accounts.models import Role, User
from issuance.models import Issuer
from issuance.treasury import treasury_open

from .services import cash_token_create


def demo_lines() -> list[str]:
    agents = list(User.objects.filter(role=Role.CASH_AGENT, email__endswith="@demo.shoken.test").order_by("email"))
    if not agents:
        return []
    lines = []
    for currency in ("JPY", "USD"):
        for agent in agents:
            account = cash_token_create(currency=currency, actor=agent)
        lines.append(f"Cash: {account.security.symbol} held in trust at {account.bank_account} (desk: /cash/desk/)")
    officer = User.objects.filter(role=Role.COMPLIANCE).order_by("id").first()
    issuers = Issuer.objects.filter(status=Issuer.Status.APPROVED).exclude(securities__kind="cash").order_by("id")
    for issuer in issuers:
        if issuer.treasury_id is None:
            with transaction.atomic():
                treasury_open(issuer=issuer, actor=officer or agents[0])
        lines.append(f"Cash: {issuer.legal_name} has a treasury wallet (its admins see /cash/treasury/)")
    return lines
