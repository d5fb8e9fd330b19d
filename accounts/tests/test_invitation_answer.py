"""The invitee answers an invitation: only they (signed in with the invited address, holding
the e-mail's token) accept or decline it; expired, revoked or answered ones are refused;
accepting does not switch the organization they work in. Pages and API."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.memberships import invitation_token_new
from accounts.models import Invitation, Membership, Role, User
from accounts.tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory
from core.models import AuditEvent


def invite(organization, inviter, email, role="member"):
    """An invitation as issuance's member_invite stores it; returns (invitation, token)."""
    token, token_hash = invitation_token_new()
    invitation = Invitation.objects.create(organization=organization, email=email, role=role, invited_by=inviter,
                                           token_hash=token_hash, expires_at=timezone.now() + timedelta(days=7))
    return invitation, token


def signed_in(user) -> Client:
    client = Client()
    assert client.post("/accounts/login/", {"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def post(client: Client, url: str, body) -> tuple[int, dict]:
    response = client.post(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


@pytest.fixture
def home_org(db):
    return OrganizationFactory(name="Fuji Foods K.K.")


@pytest.fixture
def invitee(home_org):
    user = UserFactory(email="hanako@fuji.test", role=Role.ISSUER)
    MembershipFactory(user=user, organization=home_org, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def invitation(issuer_org, issuer_admin, invitee):
    return invite(issuer_org, issuer_admin, "Hanako@Fuji.test")


def test_the_invitee_accepts_and_keeps_working_where_they_were(invitation, invitee, issuer_org, home_org):
    inv, token = invitation
    client = signed_in(invitee)
    assert [i["id"] for i in client.get("/api/accounts/invitations/").json()["results"]] == [inv.pk]
    status, body = post(client, f"/api/accounts/invitations/{inv.pk}/accept/", {"token": token})
    assert status == 200 and body["status"] == "accepted" and body["decided_at"]
    assert Membership.objects.get(user=invitee, organization=issuer_org).role == "member"
    invitee.refresh_from_db()
    assert invitee.active_organization_id == home_org.pk
    assert client.get("/api/accounts/organizations/active/").json()["active"]["id"] == home_org.pk
    assert AuditEvent.objects.filter(action="invitation.accepted", object_id=str(inv.pk), actor=invitee).exists()
    assert AuditEvent.objects.filter(action="membership.created", actor=invitee).exists()
    assert client.get("/api/accounts/invitations/").json() == {"results": [], "next": None, "previous": None}
    status, body = post(client, f"/api/accounts/invitations/{inv.pk}/accept/", {"token": token})
    assert status == 409 and body["error"]["code"] == "invitation_not_pending"


def test_the_invitee_declines(invitation, invitee, issuer_org):
    inv, token = invitation
    status, body = post(signed_in(invitee), f"/api/accounts/invitations/{inv.pk}/decline/", {"token": token})
    assert status == 200 and body["status"] == "declined"
    assert not Membership.objects.filter(user=invitee, organization=issuer_org).exists()
    assert AuditEvent.objects.filter(action="invitation.declined", object_id=str(inv.pk)).exists()


def test_nobody_else_accepts_and_the_token_is_checked(invitation, invitee, issuer_member, issuer_org):
    inv, token = invitation
    status, body = post(signed_in(issuer_member), f"/api/accounts/invitations/{inv.pk}/accept/", {"token": token})
    assert status == 404 and body["error"]["code"] == "not_found"
    client = signed_in(invitee)
    status, body = post(client, f"/api/accounts/invitations/{inv.pk}/accept/", {"token": token[:-1] + "x"})
    assert status == 403 and body["error"]["code"] == "invitation_token_invalid"
    assert Invitation.objects.get(pk=inv.pk).status == "pending"
    assert not Membership.objects.filter(user=invitee, organization=issuer_org).exists()
    assert Client().post(f"/api/accounts/invitations/{inv.pk}/accept/", {"token": token}).status_code in (401, 403)


def test_an_expired_invitation_is_refused_and_marked(invitation, invitee):
    inv, token = invitation
    Invitation.objects.filter(pk=inv.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    status, body = post(signed_in(invitee), f"/api/accounts/invitations/{inv.pk}/accept/", {"token": token})
    assert status == 409 and body["error"]["code"] == "invitation_expired"
    assert Invitation.objects.get(pk=inv.pk).status == "expired"
    assert invitee.memberships.count() == 1


def test_a_revoked_invitation_cannot_be_accepted(invitation, invitee):
    inv, token = invitation
    Invitation.objects.filter(pk=inv.pk).update(status="revoked")
    status, body = post(signed_in(invitee), f"/api/accounts/invitations/{inv.pk}/accept/", {"token": token})
    assert status == 409 and body["error"]["code"] == "invitation_not_pending"


def test_a_member_already_or_an_investor_account_is_a_conflict(issuer_org, issuer_admin, issuer_member,
                                                               verified_investor):
    for user, code in [(issuer_member, "already_member"), (verified_investor, "account_cannot_join")]:
        inv, token = invite(issuer_org, issuer_admin, user.email)
        status, body = post(signed_in(user), f"/api/accounts/invitations/{inv.pk}/accept/", {"token": token})
        assert status == 409 and body["error"]["code"] == code
        assert Invitation.objects.get(pk=inv.pk).status == "pending"


@pytest.mark.parametrize("body", [[], {}, {"token": 12}, {"token": ["x"]}, {"token": "x" * 5000}, "token"])
def test_bad_answers_are_400(invitation, invitee, body):
    inv, _token = invitation
    status, _body = post(signed_in(invitee), f"/api/accounts/invitations/{inv.pk}/accept/", body)
    assert status == 400
    assert Invitation.objects.get(pk=inv.pk).status == "pending"


def test_someone_without_an_account_signs_up_from_the_link_then_accepts(issuer_org, issuer_admin):
    inv, token = invite(issuer_org, issuer_admin, "new.person@sakura.test", role="admin")
    client = Client()
    link = f"/accounts/invitations/{inv.pk}/{token}/"
    page = client.get(link)
    assert page.status_code == 200 and f"{link}signup/" in page.content.decode()
    response = client.post(f"{link}signup/", {"full_name": "New Person", "password": "a-long-new-pass-42",
                                              "password_again": "a-long-new-pass-42"})
    assert response.status_code == 302
    user = User.objects.get(email="new.person@sakura.test")
    assert user.role == Role.ISSUER and not user.memberships.exists()  # not joined until they accept
    assert client.get(response["Location"])["Location"] == "/accounts/invitations/"
    page = client.get("/accounts/invitations/").content.decode()
    assert f"/accounts/invitations/{inv.pk}/accept/" in page and issuer_org.name in page
    assert client.post(f"/accounts/invitations/{inv.pk}/accept/").status_code == 302
    assert Membership.objects.get(user=user).organization == issuer_org


def test_the_link_with_a_bad_token_or_for_someone_else_refuses(invitation, issuer_member):
    inv, token = invitation
    assert Client().get(f"/accounts/invitations/{inv.pk}/{token}x/").status_code == 404
    client = signed_in(issuer_member)
    assert client.get(f"/accounts/invitations/{inv.pk}/{token}/").status_code == 403
    assert client.post(f"/accounts/invitations/{inv.pk}/accept/", {"token": token}).status_code == 404
    assert Invitation.objects.get(pk=inv.pk).status == "pending"


def test_the_invitations_page_declines_and_without_the_link_asks_for_it(invitation, invitee, issuer_org):
    inv, token = invitation
    client = signed_in(invitee)
    page = client.get("/accounts/invitations/").content.decode()
    assert issuer_org.name in page and f"/accounts/invitations/{inv.pk}/accept/" not in page
    client.get(f"/accounts/invitations/{inv.pk}/{token}/")
    assert client.post(f"/accounts/invitations/{inv.pk}/decline/").status_code == 302
    assert Invitation.objects.get(pk=inv.pk).status == "declined"
    page = client.get(f"/accounts/invitations/{inv.pk}/{token}/", follow=True).content.decode()  # the link again
    assert "already been answered" in page and f"/accounts/invitations/{inv.pk}/accept/" not in page


def test_the_header_switcher_appears_for_people_in_several_organizations(invitation, invitee, issuer_org, home_org):
    inv, token = invitation
    client = signed_in(invitee)
    assert 'data-testid="organization-switcher"' not in client.get("/accounts/dashboard/").content.decode()
    assert 'data-testid="invitations-link"' in client.get("/accounts/dashboard/").content.decode()
    post(client, f"/api/accounts/invitations/{inv.pk}/accept/", {"token": token})
    page = client.get("/accounts/dashboard/").content.decode()
    assert 'data-testid="organization-switcher"' in page and issuer_org.name in page
    client.post("/accounts/organizations/active/", {"organization": issuer_org.pk})
    invitee.refresh_from_db()
    assert invitee.active_organization_id == issuer_org.pk
    assert client.post("/accounts/organizations/active/", {"organization": "abc"}).status_code == 404
