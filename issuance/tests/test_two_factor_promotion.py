"""2FA bypass by promotion (issue 11, item 3): a token or a session that never passed 2FA
does not act as an issuer admin after its owner is promoted, and a role change ends all of
the person's sessions and tokens."""

from django.test import Client
from django.urls import reverse

from accounts.credentials import ApiToken, UserSession
from accounts.models import Membership
from conftest import totp_now
from core.models import AuditEvent
from issuance.models import Offering
from issuance.services import member_role_set

from .factories import SecurityFactory

TOKEN = reverse("api:token")


def _member_token(client, user, password) -> str:
    response = client.post(TOKEN, {"email": user.email, "password": password, "device": "laptop"},
                           content_type="application/json")
    assert response.status_code == 200
    return response.json()["token"]


def _publish(key: str, offering):
    return Client().post(reverse("issuance-api:offering-action", args=[offering.pk, "publish"]), {},
                         content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}")


def _pause(key: str, security):
    return Client().post(f"/api/ledger/securities/{security.pk}/pause/", {"reason": "promotion test"},
                         content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}")


def test_a_members_token_does_not_publish_or_pause_after_a_promotion(client, issuer_member, password, draft_offering,
                                                                     issuer):
    key = _member_token(client, issuer_member, password)
    # promoted by any path that does not end the sessions (e.g. an accepted admin invitation)
    Membership.objects.filter(user=issuer_member).update(role=Membership.Role.ADMIN)

    published = _publish(key, draft_offering)
    paused = _pause(key, SecurityFactory(issuer=issuer))

    assert published.status_code == 403 and published.json()["error"]["code"] == "two_factor_required"
    assert paused.status_code == 403 and paused.json()["error"]["code"] == "two_factor_required"
    draft_offering.refresh_from_db()
    assert draft_offering.status == Offering.Status.DRAFT


def test_a_role_change_ends_the_persons_tokens_and_sessions(client, issuer_member, issuer_admin, password,
                                                           draft_offering):
    key = _member_token(client, issuer_member, password)
    browser = Client()
    browser.force_login(issuer_member)

    member_role_set(membership=issuer_member.memberships.get(), role="admin", actor=issuer_admin)

    refused = _publish(key, draft_offering)
    assert refused.status_code in (401, 403) and refused.json()["error"]["code"] == "authentication_failed"
    assert not ApiToken.objects.filter(user=issuer_member).exists()
    assert not UserSession.objects.filter(user=issuer_member).exists()
    assert browser.get(reverse("accounts:dashboard")).status_code == 302
    event = AuditEvent.objects.get(action="user.sessions_ended")
    assert event.actor == issuer_admin and event.new_values["reason"] == "role_changed"


def test_an_admin_token_asked_for_with_a_totp_code_publishes(client, issuer_admin, password, draft_offering):
    code = totp_now(issuer_admin.totpdevice_set.get())
    key = client.post(TOKEN, {"email": issuer_admin.email, "password": password, "otp_code": code},
                      content_type="application/json").json()["token"]

    response = _publish(key, draft_offering)

    assert response.status_code == 200, response.content
    draft_offering.refresh_from_db()
    assert draft_offering.status == Offering.Status.PUBLISHED
