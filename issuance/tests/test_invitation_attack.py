"""Issue 11, item 2: an issuer admin could pull another company's user into their company by
e-mail, and the victim's next security was created in the attacker's company. Now the
invitation waits for the invitee; a person in several organizations acts in the one they
chose; the invite answer does not tell whether an address has an account."""

import json
import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Invitation, Membership, Role
from accounts.tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory
from conftest import totp_now
from core.models import AuditEvent
from issuance.models import Security

from .factories import IssuerFactory

FUND = {"kind": "fund", "name": "Robo Fund", "symbol": "RBF", "currency": "USD",
        "terms": {"nav_per_unit": "10.00", "dealing_frequency": "monthly"}, "regulation": "reg_s", "rules": {}}


def signed_in(user) -> Client:
    """A browser session of `user` that passed 2FA when they have a device."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    assert client.post("/accounts/login/", {"email": user.email, "password": PASSWORD}).status_code == 302
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        client.post("/accounts/2fa/verify/", {"token": totp_now(device)})
    return client


def post(client: Client, url: str, body) -> tuple[int, dict]:
    response = client.post(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


@pytest.fixture
def victim_issuer(db):
    return IssuerFactory(organization=OrganizationFactory(name="Fuji Foods K.K."))


@pytest.fixture
def victim(victim_issuer):
    user = UserFactory(email="hanako@fuji.test", role=Role.ISSUER)
    MembershipFactory(user=user, organization=victim_issuer.organization, role=Membership.Role.MEMBER)
    return user


def _new_security_issuer(client: Client, symbol: str) -> int:
    status, body = post(client, "/api/issuance/securities/", {**FUND, "symbol": symbol})
    assert status == 201, body
    return Security.objects.get(pk=body["id"]).issuer_id


def test_the_victim_stays_in_their_company_until_they_accept_and_choose(
        issuer, issuer_admin, victim, victim_issuer, django_capture_on_commit_callbacks):
    attacker = signed_in(issuer_admin)
    with django_capture_on_commit_callbacks(execute=True):
        status, body = post(attacker, "/api/issuance/invitations/", {"email": victim.email, "role": "member"})
    assert status == 201 and body["status"] == "pending"

    # Before acceptance nothing changed for the victim.
    assert list(victim.memberships.values_list("organization_id", flat=True)) == [victim_issuer.organization_id]
    hanako = signed_in(victim)
    assert _new_security_issuer(hanako, "RB1") == victim_issuer.pk

    # Accepting (by the invitee, with the e-mail's token) adds the membership only.
    invitation_id, token = re.search(r"/accounts/invitations/(\d+)/(\S+)/", mail.outbox[-1].body).groups()
    status, body = post(hanako, f"/api/accounts/invitations/{invitation_id}/accept/", {"token": token})
    assert status == 200 and body["status"] == "accepted"
    assert victim.memberships.count() == 2
    assert _new_security_issuer(hanako, "RB2") == victim_issuer.pk  # still the company they worked in

    # Only their explicit choice moves them.
    status, body = post(hanako, "/api/accounts/organizations/active/", {"organization": issuer.organization_id})
    assert status == 200 and body["active"]["id"] == issuer.organization_id and body["choice_required"] is False
    assert AuditEvent.objects.filter(action="user.organization_activated", actor=victim).exists()


def test_a_person_in_several_organizations_who_chose_none_creates_nothing(issuer, issuer_member, victim_issuer):
    MembershipFactory(user=issuer_member, organization=victim_issuer.organization, role=Membership.Role.MEMBER)
    client = signed_in(issuer_member)
    status, body = post(client, "/api/issuance/securities/", FUND)
    assert status == 409 and body["error"]["code"] == "organization_required"
    assert not Security.objects.exists()
    assert client.get("/api/accounts/organizations/active/").json()["choice_required"] is True
    page = client.get("/issuance/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/organizations/active/")
    page = client.get("/issuance/securities/new/")
    assert page.status_code == 409 and 'data-testid="choose-organization"' in page.content.decode()
    response = client.post("/accounts/organizations/active/",
                           {"organization": victim_issuer.organization_id, "next": "/issuance/"})
    assert response.status_code == 302 and response["Location"] == "/issuance/"
    assert _new_security_issuer(client, "RB3") == victim_issuer.pk


def test_choosing_an_organization_you_are_not_in_is_404(issuer_member, victim_issuer):
    client = signed_in(issuer_member)
    status, body = post(client, "/api/accounts/organizations/active/", {"organization": victim_issuer.organization_id})
    assert status == 404 and body["error"]["code"] == "not_found"
    for bad in [[], {"organization": "abc"}, {"organization": True}, {}]:
        assert post(client, "/api/accounts/organizations/active/", bad)[0] == 400


def test_the_invite_answer_does_not_tell_who_has_an_account(issuer, issuer_admin, victim, verified_investor,
                                                             django_capture_on_commit_callbacks):
    client = signed_in(issuer_admin)
    answers = []
    for email in [victim.email, verified_investor.email, "nobody@nowhere.test"]:
        with django_capture_on_commit_callbacks(execute=True):
            status, body = post(client, "/api/issuance/invitations/", {"email": email, "role": "member"})
        answers.append((status, sorted(body), body["status"], body["role"]))
    assert len(set(map(repr, answers))) == 1 and answers[0][0] == 201
    assert [m.to for m in mail.outbox] == [[victim.email], [verified_investor.email], ["nobody@nowhere.test"]]


@pytest.mark.parametrize(("body", "code"), [
    ({"email": "not-an-email", "role": "member"}, "invalid"),
    ({"email": "a" * 300 + "@x.test", "role": "member"}, "invalid"),
    ({"email": "x@sakura.test", "role": "owner"}, "invalid"),
    ({"email": ["x@sakura.test"], "role": "member"}, "invalid"),
    ({"email": "x@sakura.test", "role": 1}, "invalid"),
    ({"email": "x@sakura.test"}, "invalid"),
    ([], None),
    ({"email": "x@sakura.test", "role": "member", "organization": 1}, "invalid"),
])
def test_bad_invitations_are_4xx(issuer, issuer_admin, body, code):
    status, answer = post(signed_in(issuer_admin), "/api/issuance/invitations/", body)
    assert status == 400 and (code is None or answer["error"]["code"] == code)
    assert not Invitation.objects.exists()


def test_members_cannot_invite_list_or_revoke(issuer, issuer_admin, issuer_member):
    admin = signed_in(issuer_admin)
    invitation_id = post(admin, "/api/issuance/invitations/", {"email": "x@sakura.test", "role": "member"})[1]["id"]
    member = signed_in(issuer_member)
    assert post(member, "/api/issuance/invitations/", {"email": "y@sakura.test", "role": "member"})[0] == 403
    assert member.get("/api/issuance/invitations/").status_code == 403
    assert post(member, f"/api/issuance/invitations/{invitation_id}/revoke/", {})[0] == 403
    listed = admin.get("/api/issuance/invitations/").json()["results"]
    assert [(i["email"], i["status"]) for i in listed] == [("x@sakura.test", "pending")]
    status, body = post(admin, f"/api/issuance/invitations/{invitation_id}/revoke/", {})
    assert status == 200 and body["status"] == "revoked"


def test_members_page_invites_and_revokes(issuer, issuer_admin, django_capture_on_commit_callbacks):
    client = signed_in(issuer_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/issuance/members/", {"email": "x@sakura.test", "role": "member"})
    assert response.status_code == 302 and len(mail.outbox) == 1
    invitation = Invitation.objects.get()
    page = client.get("/issuance/members/").content.decode()
    assert "x@sakura.test" in page and f"/issuance/invitations/{invitation.pk}/revoke/" in page
    client.post(f"/issuance/invitations/{invitation.pk}/revoke/")
    assert Invitation.objects.get().status == Invitation.Status.REVOKED
    assert client.post("/issuance/members/", {"email": "x" * 300 + "@x.test", "role": "member"}).status_code == 400
