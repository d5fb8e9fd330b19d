"""factory_boy factories for compliance, and a helper to approve a profile the way the
review desk does (so personas have a real approved review behind them)."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import UserFactory
from compliance.models import KycReview, SanctionsEntry
from compliance.sanctions import normalize
from core.audit import audit_record
from core.clock import business_today
from investors import registry
from investors.models import InvestorProfile
from investors.tests.factories import InvestorProfileFactory


class KycReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KycReview

    profile = factory.SubFactory(InvestorProfileFactory, kyc_status=InvestorProfile.KycStatus.SUBMITTED)
    country = factory.SelfAttribute("profile.residence_country")


class SanctionsEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SanctionsEntry

    list_id = factory.Sequence(lambda n: f"T-{n:04d}")
    name = "Boris Examplov"
    normalized_name = factory.LazyAttribute(lambda o: normalize(o.name))
    birth_year = 1970


def approve_profile(profile: InvestorProfile, *, days: int = 365) -> KycReview:
    """Approve `profile` as an officer would (review, status, expiry, outbox), for fixtures."""
    officer = UserFactory(role=Role.COMPLIANCE)
    with transaction.atomic():
        review = KycReview.objects.create(
            profile=profile, country=profile.residence_country, status=KycReview.Status.APPROVED,
            decided_by=officer, decided_at=timezone.now(), decision_reason="fixture",
            expires_on=business_today() + timedelta(days=days),
        )
        profile.kyc_status = InvestorProfile.KycStatus.APPROVED
        profile.kyc_expires_on = review.expires_on
        profile.save()
        audit_record(action="investorprofile.approved", actor=officer, obj=profile, new={"kyc_status": "approved"})
        registry.update_investor(profile=profile, cause=f"kyc:{review.pk}:approve")
    return review
