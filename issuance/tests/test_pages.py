"""The issuance pages render for each persona, post through the services, and scope by tenant."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from issuance.models import Offering, Subscription

from .factories import SubscriptionFactory


def test_issuer_pages_render(login_verified, issuer_admin, offering):
    client = login_verified(issuer_admin)
    sub = SubscriptionFactory(offering=offering, status="signed")
    for url in [reverse("issuance:home"), reverse("issuance:security-create"),
                reverse("issuance:security", args=[offering.security.pk]),
                reverse("issuance:offering-create", args=[offering.security.pk]),
                reverse("issuance:offering", args=[offering.pk]),
                reverse("issuance:members"), reverse("issuance:issuer-apply")]:
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("issuance:offering", args=[offering.pk])).content.decode()
    assert sub.payment_reference in page and "<progress" in page


def test_investor_pages_render(client, verified_investor, offering):
    client.force_login(verified_investor)
    sub = SubscriptionFactory(offering=offering, investor=verified_investor, status="signed")
    assert "Eligible" in client.get(reverse("issuance:market")).content.decode()
    assert client.get(reverse("issuance:market-offering", args=[offering.pk])).status_code == 200
    assert client.get(reverse("issuance:my-subscriptions")).status_code == 200
    page = client.get(reverse("issuance:my-subscription", args=[sub.pk])).content.decode()
    assert "Payment instructions" in page and sub.payment_reference in page


def test_ineligible_investor_sees_why(client, verified_investor, offering, facts):
    facts[verified_investor.pk] = {"kyc_approved": False}
    client.force_login(verified_investor)
    page = client.get(reverse("issuance:market")).content.decode()
    assert "Not eligible" in page and "Identity verification (KYC) is not complete." in page


def test_offering_form_shows_the_services_refusal(login_verified, issuer_admin, bond):
    client = login_verified(issuer_admin)
    response = client.post(reverse("issuance:offering-create", args=[bond.pk]), {
        "title": "X", "currency": "JPY", "price": "0", "min_subscription": "1", "max_subscription": "5", "target": "5",
        "hard_cap": "10", "opens_on": "2026-05-01", "closes_on": "2026-06-01"})
    assert response.status_code == 400
    assert "The price must be greater than zero." in response.content.decode()
    assert not Offering.objects.exists()


def test_subscribe_over_the_cap_in_the_page(client, verified_investor, offering):
    client.force_login(verified_investor)
    response = client.post(reverse("issuance:market-offering", args=[offering.pk]), {"units": "51"})
    assert response.status_code == 400 and "at most" in response.content.decode()
    response = client.post(reverse("issuance:market-offering", args=[offering.pk]), {"units": "2"})
    sub = Subscription.objects.get()
    assert response.url == reverse("issuance:my-subscription", args=[sub.pk])


def test_member_of_another_issuer_gets_404_and_an_audit_event(login_verified, issuer_admin, other_offering):
    client = login_verified(issuer_admin)
    response = client.get(reverse("issuance:offering", args=[other_offering.pk]))
    assert response.status_code == 404
    response = client.post(reverse("issuance:offering-action", args=[other_offering.pk, "close"]))
    assert response.status_code == 404
    other_offering.refresh_from_db()
    assert other_offering.status == "published"
    assert AuditEvent.objects.filter(action="access_denied", actor=issuer_admin,
                                     object_id=str(other_offering.pk)).count() == 2


def test_documents_are_served_only_to_those_allowed(client, outsider, draft_offering, offering):
    client.force_login(outsider)
    draft_doc = draft_offering.documents.first()
    assert client.get(reverse("issuance:offering-document", args=[draft_doc.pk])).status_code == 404
    public = offering.documents.first()
    response = client.get(reverse("issuance:offering-document", args=[public.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-1.4\nmemorandum")


@pytest.mark.parametrize("url_name", ["issuance:issuer-review-list"])
def test_review_desk_is_for_compliance_only(client, login_verified, compliance_officer, issuer_admin, url_name, issuer):
    assert login_verified(compliance_officer).get(reverse(url_name)).status_code == 200
    client.force_login(issuer_admin)
    assert client.get(reverse("issuance:issuer-review", args=[issuer.pk])).status_code in (302, 403)
