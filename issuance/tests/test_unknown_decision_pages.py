"""A decision the page does not know is a 400 that changes nothing, as in the API: the issuer
review took it as a rejection attempt and the bulk subscription form as an acceptance."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from issuance.models import Issuer, Subscription
from issuance.services import issuer_document_add, issuer_save, issuer_submit

from .factories import SubscriptionFactory

S = Subscription.Status


@pytest.fixture
def submitted(issuer_org, issuer_admin):
    issuer = issuer_save(organization=issuer_org, actor=issuer_admin, legal_name="Sakura Robotics K.K.",
                         registration_number="0100-01-123456", jurisdiction="jp", address="1-1 Marunouchi, Tokyo",
                         representatives="Sakura Taro")
    upload = ContentFile(b"%PDF-1.4 articles", name="articles.pdf")
    upload.content_type = "application/pdf"
    issuer_document_add(issuer=issuer, title="Articles of incorporation", upload=upload, actor=issuer_admin)
    return issuer_submit(issuer=issuer, actor=issuer_admin)


@pytest.mark.parametrize("decision", ["maybe", "Approve", ""])
def test_issuer_review_refuses_an_unknown_decision(client, login_verified, compliance_officer, submitted,
                                                    decision):
    login_verified(compliance_officer)
    response = client.post(reverse("issuance:issuer-review", args=[submitted.pk]),
                           {"decision": decision, "reason": "Registration extract too old"})
    assert response.status_code == 400
    assert "approve or reject" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Issuer.Status.SUBMITTED and submitted.decided_by is None


def test_issuer_review_still_rejects_with_a_reason(client, login_verified, compliance_officer,
                                                   submitted):
    login_verified(compliance_officer)
    response = client.post(reverse("issuance:issuer-review", args=[submitted.pk]),
                           {"decision": "reject", "reason": "Registration extract too old"})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Issuer.Status.REJECTED


@pytest.mark.parametrize("decision", ["maybe", "ACCEPT", ""])
def test_bulk_form_refuses_an_unknown_decision(client, login_verified, issuer_admin, offering, decision):
    subs = SubscriptionFactory.create_batch(2, offering=offering, status=S.FUNDED)
    login_verified(issuer_admin)
    data = {"subscription": [str(s.pk) for s in subs], "reason": "No"}
    if decision:
        data["decision"] = decision
    response = client.post(reverse("issuance:subscriptions-bulk", args=[offering.pk]), data)
    assert response.status_code == 400
    assert "accept or reject" in response.content.decode()
    assert set(Subscription.objects.filter(pk__in=[s.pk for s in subs]).values_list("status", flat=True)) == {S.FUNDED}


def test_bulk_form_still_accepts(client, login_verified, issuer_admin, offering):
    subs = SubscriptionFactory.create_batch(2, offering=offering, status=S.FUNDED)
    login_verified(issuer_admin)
    response = client.post(reverse("issuance:subscriptions-bulk", args=[offering.pk]),
                           {"subscription": [str(s.pk) for s in subs], "decision": "accept"})
    assert response.status_code == 302
    assert Subscription.objects.filter(status=S.READY_TO_SETTLE).count() == 2
