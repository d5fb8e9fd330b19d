"""`kyc.decided` (core.events): an approved or rejected KYC review writes one platform-wide
event with ids and the outcome, in the deciding transaction; a first approval still waiting
for the second officer, a request for more information, a repeat or a rolled-back decision
writes none."""

import pytest

from compliance import events
from compliance.models import KycReview
from compliance.services import review_approve, review_reject, review_request_info
from compliance.tests.factories import KycReviewFactory
from core.errors import ApplicationError
from core.models import Event

pytestmark = pytest.mark.django_db


def _events():
    return list(Event.objects.filter(type="kyc.decided").values("key", "organization_id", "data"))


def test_approval_after_the_second_officer_emits_one_event(compliance_officer, second_officer):
    review = KycReviewFactory(risk=KycReview.Risk.HIGH)
    review_approve(review_id=review.pk, reason="Documents verified", actor=compliance_officer)
    assert _events() == []                       # four eyes: not decided yet
    review_approve(review_id=review.pk, reason="Agreed", actor=second_officer)
    with pytest.raises(ApplicationError):         # decided already: a repeat changes nothing
        review_approve(review_id=review.pk, reason="Again", actor=second_officer)
    assert _events() == [{"key": f"kyc.decided:{review.pk}", "organization_id": None,
                          "data": {"review": review.pk, "investor": review.profile.user_id, "outcome": "approved"}}]


def test_rejection_emits_the_outcome_not_the_reason(compliance_officer):
    review = KycReviewFactory()
    review_reject(review_id=review.pk, reason="Forged passport of Taro Yamada", actor=compliance_officer)
    [event] = _events()
    assert event["data"] == {"review": review.pk, "investor": review.profile.user_id, "outcome": "rejected"}
    assert "Yamada" not in str(event)


def test_more_information_is_not_a_decision(compliance_officer):
    review = KycReviewFactory()
    review_request_info(review_id=review.pk, reason="A newer address proof", actor=compliance_officer)
    assert _events() == []


def test_a_rolled_back_decision_emits_nothing(compliance_officer, monkeypatch):
    review = KycReviewFactory()
    emit = events.kyc_decided

    def emit_then_fail(*args, **kwargs):
        emit(*args, **kwargs)
        raise RuntimeError("the decision's transaction fails after the event")

    monkeypatch.setattr(events, "kyc_decided", emit_then_fail)
    with pytest.raises(RuntimeError):
        review_approve(review_id=review.pk, reason="Documents verified", actor=compliance_officer)
    assert _events() == []
    assert KycReview.objects.get(pk=review.pk).status == KycReview.Status.PENDING
