"""KYC decisions tell the investor (notifications.hooks): approved (after the second officer
when four eyes are needed, not before), rejected with the reason, more information requested."""

import pytest

from compliance.models import KycReview
from compliance.services import review_approve, review_reject, review_request_info
from compliance.tests.factories import KycReviewFactory
from notifications.kinds import Kind
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def _rows(review):
    return list(Notification.objects.filter(recipient_id=review.profile.user_id).values_list("kind", "params"))


def test_four_eyes_approval_tells_the_investor_once_after_the_second_officer(compliance_officer, second_officer):
    review = KycReviewFactory(risk=KycReview.Risk.HIGH)
    review_approve(review_id=review.pk, reason="Documents verified", actor=compliance_officer)
    assert _rows(review) == []
    review_approve(review_id=review.pk, reason="Agreed", actor=second_officer)
    assert _rows(review) == [(Kind.KYC_DECIDED, {"outcome": "approved", "reason": ""})]


def test_rejection_tells_the_reason(compliance_officer):
    review = KycReviewFactory()
    review_reject(review_id=review.pk, reason="Forged document", actor=compliance_officer)
    assert _rows(review) == [(Kind.KYC_DECIDED, {"outcome": "rejected", "reason": "Forged document"})]


def test_more_information_requested(compliance_officer):
    review = KycReviewFactory()
    review_request_info(review_id=review.pk, reason="A newer address proof", actor=compliance_officer)
    row = Notification.objects.get(recipient_id=review.profile.user_id)
    assert (row.kind, row.params, row.link) == (Kind.KYC_MORE_INFO, {"reason": "A newer address proof"},
                                                "/investors/profile/")
