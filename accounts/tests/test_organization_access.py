"""An organization's page is for its members (and for compliance staff and operators).
Anyone else gets 404, not 403, so the page does not reveal that the organization exists,
and the attempt is audited."""

import pytest
from django.urls import reverse

from accounts.models import Membership, Role
from accounts.tests.factories import MembershipFactory, OrganizationFactory
from core.models import AuditEvent

NO_SUCH_ORGANIZATION = "No such organization."


def _page(org_pk: int) -> str:
    return reverse("accounts:organization", args=[org_pk])


@pytest.fixture
def member_of_another_org(db):
    return MembershipFactory(
        user__email="admin@rival.test", user__role=Role.ISSUER,
        organization=OrganizationFactory(name="Rival Holdings"), role=Membership.Role.MEMBER,
    ).user


def _denied_events(user, org_pk: int):
    return AuditEvent.objects.filter(action="access_denied", actor=user, object_type="accounts.organization",
                                     object_id=str(org_pk))


def test_a_member_sees_the_organization_and_its_members(client, sign_in, issuer_member, issuer_admin, issuer_org):
    sign_in(issuer_member)

    response = client.get(_page(issuer_org.pk))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Sakura Robotics K.K." in content
    assert "admin@issuer.test" in content and "member@issuer.test" in content


def test_an_issuer_admin_after_two_factor_sees_it(login_verified, issuer_admin, issuer_org):
    client = login_verified(issuer_admin)

    assert client.get(_page(issuer_org.pk)).status_code == 200


@pytest.mark.parametrize("persona", ["outsider", "member_of_another_org"])
def test_a_non_member_gets_404_and_the_attempt_is_audited(request, client, sign_in, issuer_org, persona):
    user = request.getfixturevalue(persona)
    sign_in(user)

    response = client.get(_page(issuer_org.pk))

    assert response.status_code == 404
    content = response.content.decode()
    assert NO_SUCH_ORGANIZATION in content
    assert "Sakura Robotics" not in content
    assert _denied_events(user, issuer_org.pk).count() == 1


def test_a_missing_organization_looks_exactly_like_a_forbidden_one(client, sign_in, outsider, issuer_org):
    sign_in(outsider)

    forbidden = client.get(_page(issuer_org.pk))
    missing = client.get(_page(issuer_org.pk + 1000))

    assert forbidden.status_code == missing.status_code == 404
    assert NO_SUCH_ORGANIZATION in missing.content.decode()
    assert _denied_events(outsider, issuer_org.pk + 1000).count() == 1


@pytest.mark.parametrize("persona", ["compliance_officer", "operator"])
def test_compliance_and_operators_after_two_factor_can_see_it(request, login_verified, issuer_org, persona):
    client = login_verified(request.getfixturevalue(persona))

    response = client.get(_page(issuer_org.pk))

    assert response.status_code == 200
    assert "Sakura Robotics K.K." in response.content.decode()


def test_compliance_before_two_factor_is_sent_to_verify_first(client, sign_in, compliance_officer, issuer_org):
    sign_in(compliance_officer)

    response = client.get(_page(issuer_org.pk))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:2fa-verify"))


def test_a_visitor_is_asked_to_sign_in(client, issuer_org):
    response = client.get(_page(issuer_org.pk))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not AuditEvent.objects.filter(action="access_denied").exists()
