import pytest

from compliance.models import KycReview
from compliance.services import kyc_submit
from compliance.tests.factories import SanctionsEntryFactory
from core.errors import ApplicationError, ConflictError, NotFoundError
from core.models import AuditEvent
from investors.models import InvestorProfile
from investors.tests.factories import InvestorProfileFactory, KycDocumentFactory

pytestmark = pytest.mark.django_db


def _complete(**kwargs) -> InvestorProfile:
    profile = InvestorProfileFactory(**kwargs)
    KycDocumentFactory(profile=profile)
    return profile


def test_complete_profile_goes_to_the_queue():
    profile = _complete(legal_name="Aiko Tanaka")
    review = kyc_submit(user=profile.user, actor=profile.user)
    profile.refresh_from_db()
    assert profile.kyc_status == InvestorProfile.KycStatus.SUBMITTED
    assert review.status == KycReview.Status.PENDING and review.risk == KycReview.Risk.NORMAL
    assert review.country == "JP" and review.sanctions_matches == []
    assert AuditEvent.objects.filter(action="kyc_review.submitted", object_id=str(review.pk)).exists()
    assert AuditEvent.objects.filter(action="investorprofile.submitted").exists()


def test_incomplete_profile_is_refused_with_what_is_missing():
    profile = InvestorProfileFactory(address="", identity_number="")
    with pytest.raises(ApplicationError) as exc:
        kyc_submit(user=profile.user, actor=profile.user)
    assert exc.value.code == "profile_incomplete"
    assert set(exc.value.fields["missing"]) >= {"Address", "Identity or registration number",
                                                "Upload an identity document."}
    assert not KycReview.objects.exists()
    assert InvestorProfile.objects.get(pk=profile.pk).kyc_status == InvestorProfile.KycStatus.DRAFT


def test_entity_needs_beneficial_owners_and_non_retail_needs_a_basis():
    profile = InvestorProfileFactory(kind="entity", beneficial_owners="", investor_status="professional",
                                     status_basis="")
    KycDocumentFactory(profile=profile)
    with pytest.raises(ApplicationError) as exc:
        kyc_submit(user=profile.user, actor=profile.user)
    assert {"Beneficial owners", "Basis for the investor status"} <= set(exc.value.fields["missing"])


def test_submitting_twice_is_refused():
    profile = _complete()
    kyc_submit(user=profile.user, actor=profile.user)
    with pytest.raises(ConflictError):
        kyc_submit(user=profile.user, actor=profile.user)
    assert KycReview.objects.count() == 1


def test_a_sanctions_match_makes_the_case_high_risk():
    profile = _complete(legal_name="Ivan Sidorenko", birth_date=__import__("datetime").date(1961, 5, 1))
    review = kyc_submit(user=profile.user, actor=profile.user)
    assert review.risk == KycReview.Risk.HIGH and "sanctions_match" in review.risk_reasons
    assert review.sanctions_matches[0]["list_id"] == "SHK-0001"  # from the shipped list
    assert review.sanctions_blocking


def test_same_name_other_birth_year_is_not_a_match():
    SanctionsEntryFactory(name="Boris Examplov", birth_year=1950)
    profile = _complete(legal_name="Boris Examplov", birth_date=__import__("datetime").date(1990, 1, 1))
    review = kyc_submit(user=profile.user, actor=profile.user)
    assert review.sanctions_matches == [] and review.risk == KycReview.Risk.NORMAL


def test_a_flagged_country_makes_the_case_high_risk():
    profile = _complete(residence_country="KP")
    review = kyc_submit(user=profile.user, actor=profile.user)
    assert review.risk == KycReview.Risk.HIGH and review.risk_reasons == ["flagged_country:KP"]


def test_nobody_submits_for_someone_else(outsider):
    profile = _complete()
    with pytest.raises(NotFoundError):
        kyc_submit(user=profile.user, actor=outsider)
