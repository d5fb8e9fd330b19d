from datetime import timedelta

import pytest

from compliance.models import KycReview
from compliance.services import kyc_expire_due, review_approve
from core.clock import business_date_shift, business_today
from core.models import OutboxEntry
from investors.models import InvestorProfile

pytestmark = pytest.mark.django_db


def test_expired_kyc_returns_to_review_and_the_registry_follows(verified_investor, compliance_officer):
    profile = InvestorProfile.objects.get(user=verified_investor)
    expired_on = business_today() - timedelta(days=1)
    InvestorProfile.objects.filter(pk=profile.pk).update(kyc_expires_on=expired_on)

    assert kyc_expire_due() == 1
    profile.refresh_from_db()
    assert profile.kyc_status == InvestorProfile.KycStatus.EXPIRED and "expired" in profile.kyc_message
    review = KycReview.objects.get(profile=profile, status=KycReview.Status.PENDING)
    assert review.trigger == KycReview.Trigger.EXPIRY
    entry = OutboxEntry.objects.get(idempotency_key=f"kyc:{profile.pk}:expire:{expired_on.isoformat()}")
    assert entry.kind == "registry.update_investor" and entry.payload["kyc_expiry"] == 0

    assert kyc_expire_due() == 0  # idempotent

    review_approve(review_id=review.pk, reason="renewed", actor=compliance_officer)
    profile.refresh_from_db()
    assert profile.kyc_status == InvestorProfile.KycStatus.APPROVED and profile.kyc_expires_on > business_today()


def test_valid_kyc_is_left_alone(verified_investor):
    InvestorProfile.objects.filter(user=verified_investor).update(kyc_expires_on=business_today())
    assert kyc_expire_due() == 0
    assert InvestorProfile.objects.get(user=verified_investor).kyc_status == InvestorProfile.KycStatus.APPROVED


def test_kyc_expires_when_the_business_date_passes_it(verified_investor, operator):
    expires_on = InvestorProfile.objects.get(user=verified_investor).kyc_expires_on
    business_date_shift(days=(expires_on - business_today()).days, actor=operator)   # its last valid day
    assert kyc_expire_due() == 0
    business_date_shift(days=1, actor=operator)
    assert kyc_expire_due() == 1
    assert InvestorProfile.objects.get(user=verified_investor).kyc_status == InvestorProfile.KycStatus.EXPIRED
