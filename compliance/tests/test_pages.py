import pytest
from django.urls import reverse

from compliance.models import KycReview
from compliance.tests.factories import KycReviewFactory
from core.models import AuditEvent
from investors.models import InvestorProfile
from investors.tests.factories import InvestorProfileFactory, KycDocumentFactory

pytestmark = pytest.mark.django_db


def test_investor_submits_from_the_page(client):
    profile = InvestorProfileFactory()
    KycDocumentFactory(profile=profile)
    client.force_login(profile.user)
    response = client.post(reverse("compliance:kyc-submit"), follow=True)
    assert "sent for review" in response.content.decode()
    assert KycReview.objects.filter(profile=profile).exists()


def test_incomplete_submission_shows_what_is_missing(client, unverified_investor):
    client.force_login(unverified_investor)
    response = client.post(reverse("compliance:kyc-submit"), follow=True)
    assert "Your profile is not complete" in response.content.decode()
    assert not KycReview.objects.exists()


def test_queue_filters(login_verified, compliance_officer):
    KycReviewFactory(profile=InvestorProfileFactory(legal_name="Kenji Normal", kyc_status="submitted"))
    KycReviewFactory(profile=InvestorProfileFactory(legal_name="Risky Person", residence_country="IR",
                                                    kyc_status="submitted"), risk="high")
    client = login_verified(compliance_officer)
    page = client.get(reverse("compliance:queue")).content.decode()
    assert "Kenji Normal" in page and "Risky Person" in page
    page = client.get(reverse("compliance:queue"), {"risk": "high"}).content.decode()
    assert "Kenji Normal" not in page and "Risky Person" in page
    page = client.get(reverse("compliance:queue"), {"country": "JP"}).content.decode()
    assert "Kenji Normal" in page and "Risky Person" not in page
    page = client.get(reverse("compliance:queue"), {"min_age_days": 3}).content.decode()
    assert "Kenji Normal" not in page


def test_officer_approves_on_the_detail_page(login_verified, compliance_officer):
    review = KycReviewFactory()
    client = login_verified(compliance_officer)
    page = client.get(reverse("compliance:review", args=[review.pk])).content.decode()
    assert review.profile.identity_number in page
    assert AuditEvent.objects.filter(action="kyc_review.viewed", actor=compliance_officer).exists()
    response = client.post(reverse("compliance:review", args=[review.pk]), {"action": "approve", "reason": ""})
    assert response.status_code == 400 and "Give a reason" in response.content.decode()
    response = client.post(reverse("compliance:review", args=[review.pk]),
                           {"action": "approve", "reason": "Looks right", "expires_on": "2099-01-01"})
    assert response.status_code == 302
    assert InvestorProfile.objects.get(pk=review.profile_id).kyc_status == "approved"


@pytest.mark.parametrize("persona", ["verified_investor", "issuer_member"])
def test_the_desk_is_403_for_non_officers(client, request, persona):
    user = request.getfixturevalue(persona)
    review = KycReviewFactory()
    client.force_login(user)
    assert client.get(reverse("compliance:queue")).status_code == 403   # a desk their role lacks
    assert client.get(reverse("compliance:review", args=[review.pk])).status_code == 403
    response = client.post(reverse("compliance:review", args=[review.pk]), {"action": "approve", "reason": "x"})
    assert response.status_code == 403
    assert KycReview.objects.get(pk=review.pk).status == "pending"


def test_officer_without_2fa_is_sent_to_verify(client, compliance_officer, password):
    client.post(reverse("accounts:login"), {"email": compliance_officer.email, "password": password})
    response = client.get(reverse("compliance:queue"))
    assert response.status_code == 302 and "/accounts/2fa/" in response["Location"]
