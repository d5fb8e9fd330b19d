"""Approving an issuer opens its treasury: a holder that cannot sign in, an approved entity
profile (the KYB stands for KYC), one wallet the trust bank keeps, registered on chain; once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.models import Role
from core.clock import business_today
from core.errors import ApplicationError
from core.models import OutboxEntry
from investors.models import InvestorProfile, Wallet
from issuance.models import Issuer
from issuance.services import issuer_approve
from issuance.tests.factories import IssuerFactory
from issuance.treasury import TREASURY_KYC_DAYS, treasury_open

pytestmark = pytest.mark.django_db


def test_approval_opens_the_treasury_once(compliance_officer):
    issuer = IssuerFactory(status=Issuer.Status.SUBMITTED, jurisdiction="SG")
    issuer = issuer_approve(issuer=issuer, actor=compliance_officer)

    holder = issuer.treasury
    assert holder.role == Role.TREASURY and not holder.is_active and not holder.has_usable_password()
    profile = InvestorProfile.objects.get(user=holder)
    assert (profile.kind, profile.kyc_status, profile.residence_country) == ("entity", "approved", "SG")
    assert profile.kyc_expires_on == business_today() + timedelta(days=TREASURY_KYC_DAYS)
    [wallet] = Wallet.objects.filter(profile=profile)
    assert wallet.custody == Wallet.Custody.PLATFORM and wallet.status == Wallet.Status.ACTIVE
    assert OutboxEntry.objects.filter(kind="registry.register_wallet", payload__wallet=wallet.address).count() == 1

    assert treasury_open(issuer=issuer, actor=compliance_officer) == holder
    assert Wallet.objects.filter(profile=profile).count() == 1


def test_a_refused_approval_opens_nothing(issuer_admin):
    issuer = IssuerFactory(status=Issuer.Status.SUBMITTED)
    with pytest.raises(ApplicationError) as exc:
        issuer_approve(issuer=issuer, actor=issuer_admin)
    assert exc.value.code == "compliance_required"
    assert Issuer.objects.get(pk=issuer.pk).treasury is None
    assert not InvestorProfile.objects.filter(user__role=Role.TREASURY).exists()
