import pytest
from rest_framework.test import APIClient

from accounts.tests.helpers import api_token_for
from compliance.models import KycReview
from compliance.tests.factories import KycReviewFactory
from core.models import AuditEvent
from investors.tests.factories import InvestorProfileFactory, KycDocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _officer_api(user):
    client = APIClient()
    token = api_token_for(user)  # tokens are issued only against a TOTP code
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_investor_submits(api):
    profile = InvestorProfileFactory()
    KycDocumentFactory(profile=profile)
    api.force_authenticate(profile.user)
    response = api.post("/api/compliance/kyc/submit/")
    assert response.status_code == 201 and response.json()["status"] == "pending"


def test_incomplete_submission_lists_what_is_missing(api, unverified_investor):
    api.force_authenticate(unverified_investor)
    body = api.post("/api/compliance/kyc/submit/").json()["error"]
    assert body["code"] == "profile_incomplete" and body["fields"]["missing"]


def test_four_eyes_over_the_api(compliance_officer, second_officer):
    review = KycReviewFactory(risk="high", risk_reasons=["flagged_country:IR"])
    first, second = _officer_api(compliance_officer), _officer_api(second_officer)
    assert [r["id"] for r in first.get("/api/compliance/reviews/?risk=high").json()["results"]] == [review.pk]
    once = first.post(f"/api/compliance/reviews/{review.pk}/approve/", {"reason": "ok"}, format="json")
    assert once.json()["status"] == "awaiting_second"
    again = first.post(f"/api/compliance/reviews/{review.pk}/approve/", {"reason": "ok"}, format="json")
    assert again.status_code == 400 and again.json()["error"]["code"] == "four_eyes_same_officer"
    done = second.post(f"/api/compliance/reviews/{review.pk}/approve/", {"reason": "agree", "expires_on": "2099-12-31"},
                       format="json")
    assert done.status_code == 200 and done.json()["status"] == "approved" and done.json()["expires_on"] == "2099-12-31"


def test_reject_and_request_info_need_a_reason(compliance_officer):
    review = KycReviewFactory()
    officer = _officer_api(compliance_officer)
    bad = officer.post(f"/api/compliance/reviews/{review.pk}/reject/", {"reason": ""}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "reason_required"
    asked = officer.post(f"/api/compliance/reviews/{review.pk}/request-info/", {"reason": "Need proof of address"},
                         format="json")
    assert asked.json()["status"] == "more_info"


def test_non_officers_get_403_and_are_audited(api, verified_investor):
    review = KycReviewFactory()
    api.force_authenticate(verified_investor)
    assert api.get("/api/compliance/reviews/").status_code == 403   # a desk their role lacks
    assert api.get(f"/api/compliance/reviews/{review.pk}/").status_code == 403
    assert api.post(f"/api/compliance/reviews/{review.pk}/approve/", {"reason": "x"}, format="json").status_code == 403
    assert KycReview.objects.get(pk=review.pk).status == "pending"
    assert AuditEvent.objects.filter(action="access_denied", actor=verified_investor).count() == 3


def test_officer_session_without_2fa_is_refused(client, compliance_officer, password):
    review = KycReviewFactory()
    client.post("/accounts/login/", {"email": compliance_officer.email, "password": password})
    response = client.post(f"/api/compliance/reviews/{review.pk}/approve/", {"reason": "x"},
                           content_type="application/json")
    assert response.status_code == 403
    assert KycReview.objects.get(pk=review.pk).status == "pending"


def test_officer_session_with_2fa_works(login_verified, compliance_officer):
    review = KycReviewFactory()
    client = login_verified(compliance_officer)
    response = client.post(f"/api/compliance/reviews/{review.pk}/approve/", {"reason": "fine"},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "approved"
