"""Demo data for the register: the demo issuer's bond and common shares issued to every
KYC-approved investor with an active wallet (idempotent: one idempotency key per security and
wallet)."""

from __future__ import annotations

from accounts.models import Membership, Role
from core.errors import ApplicationError
from investors.models import InvestorProfile, Wallet
from issuance.models import Security

from .services import tokens_issue

DEMO_SYMBOL = "SKRGB29"
DEMO_UNITS = 25
#: The demo issuer's common shares (issuance/demo.py) and how many each investor holds.
DEMO_SHARES = ("SKRCS", 1000)


def demo_lines() -> list[str]:
    return _issue_to_investors(DEMO_SYMBOL, DEMO_UNITS) + _issue_to_investors(*DEMO_SHARES)


def _issue_to_investors(symbol: str, units: int) -> list[str]:
    security = Security.objects.filter(symbol=symbol).select_related("issuer").first()
    if security is None:
        return []
    admin = Membership.objects.filter(organization_id=security.issuer.organization_id,
                                      role=Membership.Role.ADMIN).select_related("user").first()
    if admin is None:
        return []
    wallets = Wallet.objects.filter(status=Wallet.Status.ACTIVE, profile__kyc_status=InvestorProfile.KycStatus.APPROVED,
                                    profile__user__role=Role.INVESTOR).order_by("id")   # not treasuries
    lines = []
    for wallet in wallets:
        try:
            tokens_issue(security=security, wallet=wallet, amount=units, actor=admin.user, reason="demo data",
                         cause="demo", idempotency_key=f"demo:{security.pk}:{wallet.address}")
        except ApplicationError as error:
            lines.append(f"Register: not issued to {wallet.address}: {error.code}")
        else:
            lines.append(f"Register: {units} {symbol} held by {wallet.address} (see /ledger/)")
    return lines
