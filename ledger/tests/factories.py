"""Factories and builders for register tests."""

from __future__ import annotations

from accounts.models import Role
from accounts.tests.factories import UserFactory
from compliance.tests.factories import approve_profile
from investors.models import InvestorProfile
from investors.tests.factories import InvestorProfileFactory, WalletFactory


def approved_investor(*, email: str | None = None, country: str = "JP",
                      status: str = InvestorProfile.InvestorStatus.QUALIFIED, wallets: int = 1):
    """A KYC-approved investor with `wallets` active wallets; returns (user, [wallet, ...])."""
    user = UserFactory(**({"email": email} if email else {}), role=Role.INVESTOR)
    profile = InvestorProfileFactory(user=user, residence_country=country, investor_status=status,
                                     status_basis="test" if status != "retail" else "")
    made = [WalletFactory(profile=profile) for _ in range(wallets)]
    approve_profile(profile)
    return user, made
