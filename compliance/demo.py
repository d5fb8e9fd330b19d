"""Demo data for `make run`: the demo investor is KYC-approved with one proven wallet (an
anvil development key, printed so it can be imported into a browser wallet), and one
pending case waits in the review desk. Idempotent."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from eth_account import Account

from accounts.models import User
from core.audit import audit_record
from core.clock import business_today
from investors import registry
from investors.models import InvestorProfile, Wallet

from .models import KycReview

DEMO_INVESTOR = "investor@demo.shoken.test"
DEMO_OFFICER = "compliance@demo.shoken.test"
# anvil's well-known account #3: development only, never fund it on a real network.
DEMO_WALLET_KEY = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6"


def demo_lines() -> list[str]:
    investor = User.objects.filter(email=DEMO_INVESTOR).first()
    officer = User.objects.filter(email=DEMO_OFFICER).first()
    if investor is None or officer is None:
        return []
    address = Account.from_key(DEMO_WALLET_KEY).address
    _load(investor, officer, address)
    return [f"Demo investor {DEMO_INVESTOR}: KYC verified, wallet {address} (dev key {DEMO_WALLET_KEY})"]


@transaction.atomic
def _load(investor: User, officer: User, address: str) -> None:
    profile, created = InvestorProfile.objects.get_or_create(user=investor)
    if created or profile.kyc_status == InvestorProfile.KycStatus.DRAFT:
        profile.legal_name = "Hanako Investor"
        profile.birth_date = date(1988, 7, 1)
        profile.identity_number = "DEMO-0000001"
        profile.address = "1-1 Chiyoda, Chiyoda-ku, Tokyo"
        profile.nationality = profile.residence_country = profile.tax_residency = "JP"
        profile.investor_status = InvestorProfile.InvestorStatus.QUALIFIED
        profile.status_basis = "Demo: registered qualified investor"
        profile.save()
        audit_record(action="investor_profile.updated", obj=profile, new={"source": "demo_data"})
    if not Wallet.objects.filter(address=address).exists():
        wallet = Wallet.objects.create(profile=profile, address=address, verified_at=timezone.now())
        audit_record(action="wallet.added", obj=wallet, new={"address": address, "source": "demo_data"})
    if profile.kyc_status != InvestorProfile.KycStatus.APPROVED:
        expires = business_today() + timedelta(days=365)
        review = KycReview.objects.create(
            profile=profile, country="JP", status=KycReview.Status.APPROVED, decided_by=officer,
            decided_at=timezone.now(), decision_reason="demo data", expires_on=expires,
        )
        old = profile.kyc_status
        profile.kyc_status, profile.kyc_expires_on = InvestorProfile.KycStatus.APPROVED, expires
        profile.save()
        audit_record(action="investorprofile.approved", obj=profile, old={"kyc_status": old},
                     new={"kyc_status": "approved", "source": "demo_data"})
        registry.update_investor(profile=profile, cause=f"kyc:{review.pk}:approve")
