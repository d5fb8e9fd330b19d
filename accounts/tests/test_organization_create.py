"""A signed-in issuer who belongs to no organization creates their company from the
dashboard and becomes its admin. Investors, compliance staff and operators cannot; a person
already in an organization cannot found a second one. Refusals write nothing."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Membership, Organization
from accounts.services import organization_create
from accounts.tests.helpers import founding_state
from conftest import totp_now
from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from core.models import AuditEvent

DASHBOARD = reverse("accounts:dashboard")
CREATE = reverse("accounts:organization-create")
APPLY = reverse("issuance:issuer-apply")


def test_the_dashboard_offers_an_issuer_without_organization_to_create_the_company(client, unaffiliated_issuer):
    client.force_login(unaffiliated_issuer)

    page = client.get(DASHBOARD).content.decode()

    assert 'data-testid="create-company"' in page
    assert f'action="{CREATE}"' in page


@pytest.mark.parametrize("persona", ["verified_investor", "issuer_member", "issuer_admin", "compliance_officer",
                                     "operator"])
def test_other_dashboards_do_not_offer_it(request, login_verified, persona):
    client = login_verified(request.getfixturevalue(persona))

    assert 'data-testid="create-company"' not in client.get(DASHBOARD).content.decode()


def test_an_issuer_creates_the_company_and_goes_on_to_the_issuer_application(client, unaffiliated_issuer):
    client.force_login(unaffiliated_issuer)

    response = client.post(CREATE, {"name": " Kumo Energy K.K. "})

    assert response.status_code == 302
    assert response["Location"] == APPLY
    membership = Membership.objects.get(user=unaffiliated_issuer)
    assert membership.role == Membership.Role.ADMIN
    assert membership.organization.name == "Kumo Energy K.K."
    actions = list(AuditEvent.objects.filter(actor=unaffiliated_issuer).order_by("id").values_list("action", flat=True))
    assert actions == ["organization.created", "membership.created"]

    # now an admin: 2FA enrolment first, then back to the application
    enrol = client.get(APPLY)["Location"]
    client.get(enrol)
    device = TOTPDevice.objects.get(user=unaffiliated_issuer)
    assert client.post(enrol, {"token": totp_now(device)})["Location"] == APPLY
    assert client.get(APPLY).status_code == 200
    assert "Issuer admin dashboard" in client.get(DASHBOARD).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "This field is required."),
        ({"name": "   "}, "This field is required."),
        ({"name": "K" * 201}, "Ensure this value has at most 200 characters (it has 201)."),
    ],
)
def test_a_bad_company_name_is_shown_in_the_form_and_nothing_is_written(client, unaffiliated_issuer, data, message):
    client.force_login(unaffiliated_issuer)
    before = founding_state()

    response = client.post(CREATE, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert founding_state() == before


@pytest.mark.parametrize("persona", ["verified_investor", "unverified_investor", "compliance_officer", "operator"])
def test_other_roles_are_refused_with_issuer_role_required(request, login_verified, persona):
    client = login_verified(request.getfixturevalue(persona))
    before = founding_state()

    for response in (client.get(CREATE), client.post(CREATE, {"name": "Kumo Energy K.K."})):
        assert response.status_code == 403
        assert 'data-error-code="issuer_role_required"' in response.content.decode()
    assert founding_state() == before


@pytest.mark.parametrize("persona", ["issuer_member", "issuer_admin"])
def test_a_member_of_an_organization_cannot_create_another(request, login_verified, persona):
    client = login_verified(request.getfixturevalue(persona))
    before = founding_state()

    response = client.post(CREATE, {"name": "Kumo Energy K.K."})

    assert response.status_code == 409
    content = response.content.decode()
    assert 'data-error-code="already_in_organization"' in content
    assert "You already belong to an organization" in content
    assert founding_state() == before


def test_a_visitor_is_sent_to_sign_in(client, db):
    response = client.post(CREATE, {"name": "Kumo Energy K.K."})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not Organization.objects.exists()


def test_the_service_founds_one_company_per_person(unaffiliated_issuer):
    organization_create(name="Kumo Energy K.K.", actor=unaffiliated_issuer)

    with pytest.raises(ConflictError) as refused:
        organization_create(name="Kumo Energy Two K.K.", actor=unaffiliated_issuer)

    assert refused.value.code == "already_in_organization"
    assert list(Organization.objects.values_list("name", flat=True)) == ["Kumo Energy K.K."]


def test_the_service_checks_the_role_before_the_name(verified_investor):
    with pytest.raises(PermissionDeniedError) as refused:
        organization_create(name="", actor=verified_investor)

    assert refused.value.code == "issuer_role_required"


@pytest.mark.parametrize(("name", "code"), [("", "name_required"), ("K" * 201, "name_too_long"),
                                            ("A\x07B", "name_invalid")])
def test_the_service_refuses_a_bad_name_with_a_code_on_the_field(unaffiliated_issuer, name, code):
    before = founding_state()

    with pytest.raises(ApplicationError) as refused:
        organization_create(name=name, actor=unaffiliated_issuer)

    assert refused.value.code == code and list(refused.value.fields) == ["name"]
    assert founding_state() == before
