from datetime import timedelta

import pytest

from compliance.models import KycReview
from compliance.services import review_approve, review_clear_sanctions
from compliance.tests.factories import KycReviewFactory
from core.clock import business_today
from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from core.models import AuditEvent, OutboxEntry
from investors.models import InvestorProfile
from investors.registry import kyc_expiry_unix
from investors.tests.factories import WalletFactory

pytestmark = pytest.mark.django_db


def test_officer_approves_with_an_expiry_and_the_registry_follows(compliance_officer):
    review = KycReviewFactory()
    wallet = WalletFactory(profile=review.profile)
    expires = business_today() + timedelta(days=200)
    review_approve(review_id=review.pk, reason="Documents match", expires_on=expires.isoformat(),
                   actor=compliance_officer)
    review.refresh_from_db()
    profile = InvestorProfile.objects.get(pk=review.profile_id)
    assert review.status == KycReview.Status.APPROVED and review.decided_by == compliance_officer
    assert profile.kyc_status == InvestorProfile.KycStatus.APPROVED and profile.kyc_expires_on == expires
    register = OutboxEntry.objects.get(idempotency_key=f"wallet:{wallet.pk}:add")
    update = OutboxEntry.objects.get(idempotency_key=f"kyc:{review.pk}:approve")
    assert register.kind == "registry.register_wallet" and update.kind == "registry.update_investor"
    assert update.payload == {
        "investor_id": profile.user_id, "country": 392, "kyc_expiry": kyc_expiry_unix(expires),
        "accredited": False, "qualified": False,
    }
    assert AuditEvent.objects.filter(action="kycreview.approved", actor=compliance_officer).exists()


def test_without_an_expiry_the_default_validity_applies(compliance_officer, settings):
    review = KycReviewFactory()
    review_approve(review_id=review.pk, reason="ok", actor=compliance_officer)
    review.refresh_from_db()
    assert review.expires_on == business_today() + timedelta(days=settings.KYC_DEFAULT_VALIDITY_DAYS)
    assert not OutboxEntry.objects.exists()  # no wallet yet: nothing for the registry


@pytest.mark.parametrize(("expires", "code"), [("2020-01-01", "invalid_expiry"), ("31/12/2030", "invalid_expiry"),
                                               ("2030-02-30", "invalid_expiry")])
def test_bad_expiry_is_refused(compliance_officer, expires, code):
    review = KycReviewFactory()
    with pytest.raises(ApplicationError) as exc:
        review_approve(review_id=review.pk, reason="ok", expires_on=expires, actor=compliance_officer)
    assert exc.value.code == code
    assert KycReview.objects.get(pk=review.pk).status == KycReview.Status.PENDING


def test_a_reason_is_required(compliance_officer):
    review = KycReviewFactory()
    with pytest.raises(ApplicationError) as exc:
        review_approve(review_id=review.pk, reason="  ", actor=compliance_officer)
    assert exc.value.code == "reason_required"


def test_high_risk_needs_two_different_officers(compliance_officer, second_officer):
    review = KycReviewFactory(risk=KycReview.Risk.HIGH, risk_reasons=["flagged_country:IR"])
    review_approve(review_id=review.pk, reason="first look fine", actor=compliance_officer)
    review.refresh_from_db()
    assert review.status == KycReview.Status.AWAITING_SECOND and review.first_approved_by == compliance_officer
    assert InvestorProfile.objects.get(pk=review.profile_id).kyc_status == InvestorProfile.KycStatus.SUBMITTED

    with pytest.raises(ApplicationError) as exc:
        review_approve(review_id=review.pk, reason="me again", actor=compliance_officer)
    assert exc.value.code == "four_eyes_same_officer"
    assert KycReview.objects.get(pk=review.pk).status == KycReview.Status.AWAITING_SECOND

    review_approve(review_id=review.pk, reason="agree", actor=second_officer)
    review.refresh_from_db()
    assert review.status == KycReview.Status.APPROVED and review.decided_by == second_officer
    assert InvestorProfile.objects.get(pk=review.profile_id).kyc_status == InvestorProfile.KycStatus.APPROVED


def test_first_officers_expiry_carries_over(compliance_officer, second_officer):
    review = KycReviewFactory(risk=KycReview.Risk.HIGH)
    expires = business_today() + timedelta(days=90)
    review_approve(review_id=review.pk, reason="a", expires_on=expires, actor=compliance_officer)
    review_approve(review_id=review.pk, reason="b", actor=second_officer)
    assert InvestorProfile.objects.get(pk=review.profile_id).kyc_expires_on == expires


def test_a_sanctions_match_blocks_approval_until_cleared(compliance_officer, second_officer):
    review = KycReviewFactory(risk=KycReview.Risk.HIGH, risk_reasons=["sanctions_match"],
                              sanctions_matches=[{"list_id": "SHK-0001", "name": "Ivan Petrovich Sidorenko",
                                                  "entry_id": 1, "birth_year": 1961, "score": 0.95}])
    with pytest.raises(ApplicationError) as exc:
        review_approve(review_id=review.pk, reason="ok", actor=compliance_officer)
    assert exc.value.code == "sanctions_uncleared"

    with pytest.raises(ApplicationError):
        review_clear_sanctions(review_id=review.pk, reason="", actor=compliance_officer)
    review_clear_sanctions(review_id=review.pk, reason="Different person: passport photo and birthplace differ",
                           actor=compliance_officer)
    assert AuditEvent.objects.filter(action="kyc_review.sanctions_cleared").exists()
    review_approve(review_id=review.pk, reason="first", actor=compliance_officer)
    review_approve(review_id=review.pk, reason="second", actor=second_officer)
    assert KycReview.objects.get(pk=review.pk).status == KycReview.Status.APPROVED


def test_clearing_without_a_match_is_refused(compliance_officer):
    review = KycReviewFactory()
    with pytest.raises(ConflictError):
        review_clear_sanctions(review_id=review.pk, reason="x", actor=compliance_officer)


def test_a_closed_review_cannot_be_approved_again(compliance_officer):
    review = KycReviewFactory()
    review_approve(review_id=review.pk, reason="ok", actor=compliance_officer)
    with pytest.raises(ConflictError) as exc:
        review_approve(review_id=review.pk, reason="ok", actor=compliance_officer)
    assert exc.value.code == "review_closed"


@pytest.mark.parametrize("persona", ["verified_investor", "issuer_admin", "operator"])
def test_only_officers_decide(request, persona):
    actor = request.getfixturevalue(persona)
    review = KycReviewFactory()
    with pytest.raises(PermissionDeniedError) as refused:   # a desk their role lacks: 403
        review_approve(review_id=review.pk, reason="ok", actor=actor)
    assert refused.value.code == "compliance_required"
    assert KycReview.objects.get(pk=review.pk).status == KycReview.Status.PENDING
    assert AuditEvent.objects.filter(action="access_denied", actor=actor).exists()


def test_unknown_review_is_404(compliance_officer):
    with pytest.raises(NotFoundError):
        review_approve(review_id=999999, reason="ok", actor=compliance_officer)
