"""The API does the same operations through the same services, with {"error": {...}} bodies."""

import pytest
from rest_framework.test import APIClient

from issuance.models import Issuer, OfferingDocument, Subscription

from .factories import SubscriptionFactory


@pytest.fixture
def api():
    return APIClient()


OFFERING = {"title": "API offering", "currency": "USD", "price": "99.50", "min_subscription": "1",
            "max_subscription": "10",
            "target": "50", "hard_cap": "100", "opens_on": "2026-05-01", "closes_on": "2026-06-30"}


def test_issuer_creates_a_security_and_an_offering(api, issuer_member, issuer):
    api.force_authenticate(issuer_member)
    r = api.post("/api/issuance/securities/", {"kind": "fund", "name": "Robo Fund", "symbol": "RBF", "currency": "USD",
                                                "terms": {"nav_per_unit": "10.00", "dealing_frequency": "monthly"},
                                                "regulation": "reg_s", "rules": {}}, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["decimals"] == 6 and r.json()["blocked_countries"] == ["US"]
    r = api.post("/api/issuance/offerings/", {**OFFERING, "security": r.json()["id"]}, format="json")
    assert r.status_code == 201 and r.json()["hard_cap"] == "100000000" and r.json()["status"] == "draft"


def test_bad_offering_terms_give_the_error_body(api, issuer_member, bond):
    api.force_authenticate(issuer_member)
    r = api.post("/api/issuance/offerings/", {**OFFERING, "security": bond.pk, "closes_on": "2026-04-01"},
                 format="json")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "closes_before_opens" and "closes_on" in r.json()["error"]["fields"]


def test_other_issuers_offering_is_404(api, issuer_member, other_offering):
    api.force_authenticate(issuer_member)
    assert api.post(f"/api/issuance/offerings/{other_offering.pk}/close/").status_code == 404
    assert api.get(f"/api/issuance/offerings/{other_offering.pk}/").json()["error"]["code"] == "not_found"


def test_investor_subscribes_signs_and_issuer_settles_the_states(api, verified_investor, issuer_admin, issuer_member,
                                                                  offering, login_verified):
    api.force_authenticate(verified_investor)
    market = api.get("/api/issuance/market/").json()["results"]
    assert market[0]["eligible"] is True
    r = api.post(f"/api/issuance/market/{offering.pk}/subscribe/", {"units": "2"}, format="json")
    assert r.status_code == 201 and r.json()["amount"] == "200000"
    sub_id = r.json()["id"]
    digest = offering.document(OfferingDocument.Kind.AGREEMENT).sha256
    r = api.post(f"/api/issuance/my-subscriptions/{sub_id}/accept-agreement/", {"agreement_sha256": digest},
                 format="json")
    assert r.json()["status"] == "signed"
    api.force_authenticate(issuer_member)   # money steps are the issuer admin's (accounts/policy.py)
    r = api.post(f"/api/issuance/subscriptions/{sub_id}/funded/", {"reference": "W1"}, format="json")
    assert r.status_code == 403 and r.json()["error"]["code"] == "admin_required"
    admin = login_verified(issuer_admin)
    funded = f"/api/issuance/subscriptions/{sub_id}/funded/"
    assert admin.post(funded, {"reference": ""}, content_type="application/json").json()["error"]["code"] == "required"
    assert admin.post(funded, {"reference": "W1"}, content_type="application/json").json()["status"] == "funded"
    r = admin.post(f"/api/issuance/offerings/{offering.pk}/subscriptions/bulk/",
                   {"decision": "accept", "subscriptions": [sub_id]}, content_type="application/json")
    assert r.json() == {"count": 1}
    assert Subscription.objects.get(pk=sub_id).status == Subscription.Status.READY_TO_SETTLE


def test_subscribing_to_a_closed_offering_is_refused(api, verified_investor, offering):
    offering.status = "closed"
    offering.save()
    api.force_authenticate(verified_investor)
    r = api.post(f"/api/issuance/market/{offering.pk}/subscribe/", {"units": "1"}, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "offering_not_open"


def test_compliance_session_needs_2fa_and_then_approves(client, compliance_officer, login_verified, issuer):
    Issuer.objects.filter(pk=issuer.pk).update(status="submitted")
    client.post("/accounts/login/", {"email": compliance_officer.email, "password": "correct-horse-battery-9"})
    r = client.post(f"/api/issuance/issuers/{issuer.pk}/approve/", content_type="application/json")
    assert r.status_code == 403
    client = login_verified(compliance_officer)
    r = client.post(f"/api/issuance/issuers/{issuer.pk}/approve/", content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "approved"


def test_subscription_bulk_reject_without_reason_is_refused(api, issuer_member, offering):
    sub = SubscriptionFactory(offering=offering, status="signed")
    api.force_authenticate(issuer_member)
    r = api.post(f"/api/issuance/offerings/{offering.pk}/subscriptions/bulk/",
                 {"decision": "reject", "subscriptions": [sub.pk]}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "required"


def test_schema_lists_the_issuance_endpoints(client, db):
    schema = client.get("/api/schema/").content.decode()
    assert "/api/issuance/offerings/{id}/subscriptions/bulk/" in schema
    assert "/api/issuance/market/{id}/subscribe/" in schema
