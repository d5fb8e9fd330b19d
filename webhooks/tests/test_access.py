"""Who may see and change which endpoints: an organization's admins theirs (another
organization's endpoint, delivery or attempt log is a 404, like an id that does not exist),
members are refused (403 admin_required), operators the platform's; investors and outsiders
reach none. Pages answer as the API does."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.tests.factories import MembershipFactory, OrganizationFactory, TOTPDeviceFactory, UserFactory
from conftest import force_login_verified
from core.events import EventType
from core.models import AuditEvent
from webhooks.fanout import fan_out_pending
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import endpoint_create

from .conftest import api, emit

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_admin(db):
    org = OrganizationFactory(name="Other Robotics K.K.")
    user = UserFactory(email="admin@other.test", role="issuer")
    MembershipFactory(user=user, organization=org, role="admin")
    TOTPDeviceFactory(user=user)
    return user


@pytest.fixture
def ours(issuer_admin, issuer_org, receiver):
    endpoint, _secret = endpoint_create(actor=issuer_admin, organization=issuer_org, url=receiver.url,
                                        event_types=[EventType.SUBSCRIPTION_CHANGED])
    emit(EventType.SUBSCRIPTION_CHANGED, key="sub:1", organization_id=issuer_org.pk)
    fan_out_pending()
    return endpoint, WebhookDelivery.objects.get(endpoint=endpoint)


def _paths(endpoint, delivery):
    return [f"/api/webhooks/endpoints/{endpoint.pk}/", f"/api/webhooks/endpoints/{endpoint.pk}/deliveries/",
            f"/api/webhooks/deliveries/{delivery.pk}/"]


def _writes(endpoint, delivery):
    return [f"/api/webhooks/endpoints/{endpoint.pk}/rotate/", f"/api/webhooks/endpoints/{endpoint.pk}/disable/",
            f"/api/webhooks/deliveries/{delivery.pk}/replay/"]


def test_another_organizations_endpoint_is_a_404(ours, other_admin, client):
    endpoint, delivery = ours
    client_api = api(other_admin)
    for path in _paths(endpoint, delivery):
        assert client_api.get(path).status_code == 404, path
    for path in _writes(endpoint, delivery):
        response = client_api.post(path)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found", path
    assert client_api.delete(f"/api/webhooks/endpoints/{endpoint.pk}/").status_code == 404
    assert client_api.get("/api/webhooks/endpoints/").json()["results"] == []
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk, status="active").exists()
    assert delivery.attempt_rows.count() == 0
    assert AuditEvent.objects.filter(action="access_denied", actor=other_admin).exists()

    force_login_verified(client, other_admin)
    assert client.get(reverse("webhooks:endpoint", args=[endpoint.pk])).status_code == 404
    assert client.get(reverse("webhooks:delivery", args=[delivery.pk])).status_code == 404
    assert client.post(reverse("webhooks:endpoint-step", args=[endpoint.pk]), {"step": "delete"}).status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_a_member_without_admin_rights_is_refused(ours, issuer_member, client, receiver):
    endpoint, delivery = ours
    client_api = api(issuer_member)
    response = client_api.get("/api/webhooks/endpoints/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "admin_required"
    response = client_api.post("/api/webhooks/endpoints/", {"url": receiver.url, "event_types": ["kyc.decided"]},
                               format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "admin_required"
    for path in _paths(endpoint, delivery):
        assert client_api.get(path).status_code == 403, path
    for path in _writes(endpoint, delivery):
        assert client_api.post(path).status_code == 403, path
    assert WebhookEndpoint.objects.count() == 1 and delivery.attempt_rows.count() == 0

    force_login_verified(client, issuer_member)
    assert client.get(reverse("webhooks:home")).status_code == 403
    assert client.get(reverse("webhooks:endpoint", args=[endpoint.pk])).status_code == 403


def test_operators_manage_platform_endpoints_not_an_organizations(ours, operator, issuer_admin, receiver):
    endpoint, delivery = ours
    client_api = api(operator)
    assert client_api.get(f"/api/webhooks/endpoints/{endpoint.pk}/").status_code == 403   # staff see issuers
    created = client_api.post("/api/webhooks/endpoints/", {"url": receiver.url, "event_types": ["kyc.decided"]},
                              format="json")
    assert created.status_code == 201 and created.json()["organization"] is None
    assert [row["id"] for row in client_api.get("/api/webhooks/endpoints/").json()["results"]] == [
        created.json()["id"]]
    # an organization's admin does not see that a platform endpoint exists
    assert api(issuer_admin).get(f"/api/webhooks/endpoints/{created.json()['id']}/").status_code == 404
    assert [row["id"] for row in api(issuer_admin).get("/api/webhooks/endpoints/").json()["results"]] == [endpoint.pk]


@pytest.mark.parametrize("persona", ["verified_investor", "outsider", "compliance_officer"])
def test_people_without_endpoints_reach_none(persona, request, ours):
    endpoint, _delivery = ours
    user = request.getfixturevalue(persona)
    client_api = api(user)
    assert client_api.get("/api/webhooks/endpoints/").status_code == 403
    assert client_api.get(f"/api/webhooks/endpoints/{endpoint.pk}/").status_code in (403, 404)
    if persona != "compliance_officer":   # officers see issuers' objects (403), others not even that (404)
        assert client_api.get(f"/api/webhooks/endpoints/{endpoint.pk}/").status_code == 404


def test_the_navigation_links_the_page_for_admins_and_operators(client, issuer_admin, operator, issuer_member):
    for user, shown in ((issuer_admin, True), (operator, True), (issuer_member, False)):
        client.logout()
        force_login_verified(client, user)
        page = client.get(reverse("accounts:dashboard")).content.decode()
        assert (f'href="{reverse("webhooks:home")}"' in page) is shown, user
