import pytest

from compliance.models import KycReview
from compliance.services import kyc_submit, review_reject, review_request_info
from compliance.tests.factories import KycReviewFactory
from core.errors import ApplicationError, PermissionDeniedError
from core.models import OutboxEntry
from investors.models import InvestorProfile
from investors.services import profile_update
from investors.tests.factories import KycDocumentFactory

pytestmark = pytest.mark.django_db


def test_reject_with_a_reason(compliance_officer):
    review = KycReviewFactory()
    review_reject(review_id=review.pk, reason="Forged document", actor=compliance_officer)
    profile = InvestorProfile.objects.get(pk=review.profile_id)
    assert KycReview.objects.get(pk=review.pk).status == KycReview.Status.REJECTED
    assert profile.kyc_status == InvestorProfile.KycStatus.REJECTED and profile.kyc_message == "Forged document"


def test_reject_needs_a_reason(compliance_officer):
    review = KycReviewFactory()
    with pytest.raises(ApplicationError):
        review_reject(review_id=review.pk, reason="", actor=compliance_officer)
    assert KycReview.objects.get(pk=review.pk).status == KycReview.Status.PENDING


def test_request_info_lets_the_investor_fix_and_resubmit(compliance_officer):
    review = KycReviewFactory()
    KycDocumentFactory(profile=review.profile)
    review_request_info(review_id=review.pk, reason="The address proof is older than 3 months",
                        actor=compliance_officer)
    profile = InvestorProfile.objects.get(pk=review.profile_id)
    assert profile.kyc_status == InvestorProfile.KycStatus.MORE_INFO and "3 months" in profile.kyc_message
    profile_update(user=profile.user, data={"address": "7-8-9 Minato, Tokyo"}, actor=profile.user)
    second = kyc_submit(user=profile.user, actor=profile.user)
    assert second.pk != review.pk and second.status == KycReview.Status.PENDING
    assert not OutboxEntry.objects.exists()


def test_an_investor_cannot_reject(verified_investor):
    review = KycReviewFactory()
    with pytest.raises(PermissionDeniedError):
        review_reject(review_id=review.pk, reason="no", actor=verified_investor)
