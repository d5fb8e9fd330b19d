"""An issuer's treasury: the non-login holder (Role.TREASURY) of the issuer's one
platform-custodied wallet, which receives subscription proceeds in the cash token and pays
them out through the cash agent (cash.services.treasury_withdrawal_request). Opened when
compliance approves the issuer: the issuer's KYB stands for the treasury's KYC."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from accounts.models import Role, User
from core.audit import audit_record
from core.clock import business_today
from investors.custody import custody_wallet_create_for_treasury
from investors.models import InvestorProfile, Wallet

from .models import Issuer

#: How long the treasury's KYC (the issuer's KYB) counts as valid, from the business date of approval.
TREASURY_KYC_DAYS = 3650


def treasury_email(issuer: Issuer) -> str:
    return f"treasury-{issuer.pk}@treasury.shoken.invalid"


def treasury_open(*, issuer: Issuer, actor: User) -> User:
    """The issuer's treasury holder, with its approved entity profile and its custodied wallet
    (registered on chain); created on first call, returned as is afterwards. Runs inside the
    caller's transaction (issuance.services.issuer_approve), which checked the actor."""
    with transaction.atomic():
        issuer = Issuer.objects.select_for_update().get(pk=issuer.pk)
        if issuer.treasury_id is not None:
            return issuer.treasury
        user = User.objects.filter(email=treasury_email(issuer)).first()
        if user is None:
            user = User.objects.create_user(email=treasury_email(issuer), password=None, role=Role.TREASURY,
                                            full_name=f"{issuer.legal_name} (treasury)", is_active=False)
        profile, _created = InvestorProfile.objects.get_or_create(user=user, defaults={
            "kind": InvestorProfile.Kind.ENTITY, "legal_name": issuer.legal_name,
            "nationality": issuer.jurisdiction, "residence_country": issuer.jurisdiction,
            "tax_residency": issuer.jurisdiction,
            "kyc_status": InvestorProfile.KycStatus.APPROVED,
            "kyc_expires_on": business_today() + timedelta(days=TREASURY_KYC_DAYS),
        })
        if not Wallet.objects.filter(profile=profile, status=Wallet.Status.ACTIVE).exists():
            custody_wallet_create_for_treasury(profile=profile, actor=actor)
        Issuer.objects.filter(pk=issuer.pk).update(treasury=user)
        audit_record(action="issuer.treasury_opened", actor=actor, obj=issuer,
                     new={"treasury": user.pk, "kyc_expires_on": profile.kyc_expires_on.isoformat()})
        return user
