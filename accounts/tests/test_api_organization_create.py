"""POST /api/accounts/organizations/: a signed-in issuer without an organization creates
their company over the API (201); refusals are 400/403/409 with a code and write nothing."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from accounts.tests.helpers import api_token_for, founding_state
from core.models import AuditEvent


@pytest.fixture
def url() -> str:
    return reverse("accounts-api:organization-create")


def _post(client, url: str, data: dict, **headers):
    return client.post(url, data, content_type="application/json", **headers)


def test_an_issuer_without_organization_creates_it(client, url, unaffiliated_issuer):
    client.force_login(unaffiliated_issuer)

    response = _post(client, url, {"name": "  Kumo Energy K.K. "})

    assert response.status_code == 201
    membership = Membership.objects.get(user=unaffiliated_issuer)
    body = response.json()
    assert body["id"] == membership.organization_id
    assert body["name"] == "Kumo Energy K.K."
    assert body["role"] == "admin"
    assert body["two_factor_required"] is True
    assert body["created_at"]
    assert AuditEvent.objects.filter(action="organization.created", actor=unaffiliated_issuer).count() == 1
    assert AuditEvent.objects.filter(action="membership.created", actor=unaffiliated_issuer).count() == 1


@pytest.mark.parametrize(
    ("data", "code"),
    [({}, "name_required"), ({"name": ""}, "name_required"), ({"name": "   "}, "name_required"),
     ({"name": "K" * 201}, "name_too_long"), ({"name": "A\u0007B"}, "name_invalid"), ({"name": ["Kumo"]}, "invalid")],
)
def test_a_bad_name_is_a_400_with_a_code(client, url, unaffiliated_issuer, data, code):
    client.force_login(unaffiliated_issuer)
    before = founding_state()

    response = _post(client, url, data)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code
    assert "name" in error["fields"]
    assert founding_state() == before


@pytest.mark.parametrize("persona", ["verified_investor", "compliance_officer", "operator"])
def test_other_roles_get_403_issuer_role_required(request, client, url, persona):
    user = request.getfixturevalue(persona)
    token = api_token_for(user)  # staff scripts use a token (issued against a TOTP code)
    before = founding_state()

    response = _post(client, url, {"name": "Kumo Energy K.K."}, HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "issuer_role_required"
    assert founding_state() == before


def test_a_member_of_an_organization_gets_409(client, url, issuer_member):
    client.force_login(issuer_member)
    before = founding_state()

    response = _post(client, url, {"name": "Kumo Energy K.K."})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_in_organization"
    assert founding_state() == before


def test_a_second_company_is_refused_after_the_first(client, url, unaffiliated_issuer):
    client.force_login(unaffiliated_issuer)
    assert _post(client, url, {"name": "Kumo Energy K.K."}).status_code == 201
    client.logout()  # an admin now: this session lacks 2FA, a token stands in for it
    token = api_token_for(unaffiliated_issuer)

    response = _post(client, url, {"name": "Kumo Two K.K."}, HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 409
    assert unaffiliated_issuer.memberships.count() == 1


def test_a_visitor_is_refused(client, url, db):
    response = _post(client, url, {"name": "Kumo Energy K.K."})

    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] == "not_authenticated"


def test_the_endpoint_is_in_the_openapi_schema(client, db):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()

    operation = schema["paths"]["/api/accounts/organizations/"]["post"]
    assert "201" in operation["responses"]
    # request bodies are split components
    request_schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert request_schema["$ref"].endswith("/OrganizationCreateInputRequest")
