"""The compliance API checks the body of every write: one that is not a JSON object is refused
even where the operation takes no body (KYC submit), and reasons are strings."""

import json

import pytest
from rest_framework.test import APIClient

from compliance.models import KycReview
from compliance.tests.factories import KycReviewFactory
from investors.tests.factories import InvestorProfileFactory, KycDocumentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("body", ["[]", '"submit"', "1", "{"])
def test_a_body_that_is_not_an_object_does_not_submit_kyc(body):
    profile = InvestorProfileFactory()
    KycDocumentFactory(profile=profile)
    api = APIClient()
    api.force_authenticate(profile.user)
    r = api.post("/api/compliance/kyc/submit/", body, content_type="application/json")
    assert r.status_code == 400 and r.json()["error"]["code"] in ("invalid", "parse_error")
    assert not KycReview.objects.exists()


@pytest.mark.parametrize("reason", [123, ["ok"], {"a": "b"}, True, "r" * 501])
def test_a_decision_reason_must_be_a_string_within_its_limit(login_verified, compliance_officer, reason):
    review = KycReviewFactory()
    api = login_verified(compliance_officer)
    r = api.post(f"/api/compliance/reviews/{review.pk}/approve/", json.dumps({"reason": reason}),
                 content_type="application/json")
    assert r.status_code == 400 and "reason" in r.json()["error"]["fields"]
    review.refresh_from_db()
    assert review.status == KycReview.Status.PENDING
