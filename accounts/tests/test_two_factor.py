"""Issuer admins, compliance officers and operators reach no page until they have enrolled
an authenticator app and entered its code in this session. Investors and issuer members
sign in with a password alone."""

import base64
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import dashboard_title, wrong_totp
from conftest import totp_now
from core.models import AuditEvent

DASHBOARD = reverse("accounts:dashboard")
VERIFY = reverse("accounts:2fa-verify")
ENROL = reverse("accounts:2fa-enrol")
INVALID_CODE = "That code is not valid. Check the time on your phone and try again."


@pytest.fixture
def staff_without_device(db):
    return UserFactory(email="new.operator@shoken.test", role=Role.OPERATOR)


def _device(user) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user)


@pytest.mark.parametrize("persona", ["compliance_officer", "operator", "issuer_admin"])
def test_staff_are_sent_to_the_code_page_and_cannot_reach_the_dashboard(request, client, sign_in, persona):
    user = request.getfixturevalue(persona)

    assert sign_in(user).status_code == 302

    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?{urlencode({'next': DASHBOARD})}"
    assert client.get(reverse("accounts:organization", args=[1])).status_code == 302
    assert client.get(VERIFY).status_code == 200


def test_staff_without_a_device_are_sent_to_enrolment(client, sign_in, staff_without_device):
    sign_in(staff_without_device)

    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert response["Location"].startswith(ENROL)
    assert client.get(VERIFY)["Location"] == ENROL


def test_the_enrolment_page_shows_the_key_of_a_new_unconfirmed_device(client, sign_in, staff_without_device):
    sign_in(staff_without_device)

    response = client.get(ENROL)

    assert response.status_code == 200
    device = _device(staff_without_device)
    assert not device.confirmed
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert f'data-testid="totp-secret">{secret}<' in response.content.decode()
    assert "<svg" in response.content.decode()
    client.get(ENROL)
    assert TOTPDevice.objects.filter(user=staff_without_device).count() == 1  # reloading reuses it


def test_enrolment_with_a_wrong_code_leaves_the_device_unconfirmed(client, sign_in, staff_without_device):
    sign_in(staff_without_device)
    client.get(ENROL)
    device = _device(staff_without_device)

    response = client.post(ENROL, {"token": wrong_totp(device)})

    assert response.status_code == 400
    assert INVALID_CODE in response.content.decode()
    assert not _device(staff_without_device).confirmed
    assert client.get(DASHBOARD)["Location"].startswith(ENROL)
    assert not AuditEvent.objects.filter(action="totp.enrolled").exists()


@pytest.mark.parametrize("token", ["", "abcdef", "12 34"])
def test_enrolment_with_garbage_is_refused(client, sign_in, staff_without_device, token):
    sign_in(staff_without_device)
    client.get(ENROL)

    response = client.post(ENROL, {"token": token})

    assert response.status_code == 400
    assert not _device(staff_without_device).confirmed


def test_enrolment_with_the_right_code_confirms_the_device_and_opens_the_dashboard(client, sign_in,
                                                                                  staff_without_device):
    sign_in(staff_without_device)
    client.get(ENROL)
    device = _device(staff_without_device)

    response = client.post(ENROL, {"token": totp_now(device)})

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    assert _device(staff_without_device).confirmed
    assert AuditEvent.objects.filter(action="totp.enrolled", actor=staff_without_device).count() == 1
    dashboard = client.get(DASHBOARD)
    assert dashboard.status_code == 200
    assert dashboard_title(dashboard) == "Operator dashboard"


def test_a_mistyped_code_can_be_followed_by_the_right_one(client, settings, sign_in, staff_without_device):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a person takes longer than the throttle's first second
    sign_in(staff_without_device)
    client.get(ENROL)
    device = _device(staff_without_device)

    assert client.post(ENROL, {"token": wrong_totp(device)}).status_code == 400
    assert client.post(ENROL, {"token": totp_now(device)}).status_code == 302

    assert _device(staff_without_device).confirmed


def test_verification_with_a_wrong_code_keeps_the_dashboard_closed(client, sign_in, compliance_officer):
    sign_in(compliance_officer)

    response = client.post(VERIFY, {"token": wrong_totp(_device(compliance_officer))})

    assert response.status_code == 400
    assert INVALID_CODE in response.content.decode()
    assert client.get(DASHBOARD)["Location"].startswith(VERIFY)
    assert AuditEvent.objects.filter(action="totp.failed", actor=compliance_officer).count() == 1


def test_verification_with_the_right_code_opens_the_page_asked_for(client, sign_in, compliance_officer):
    sign_in(compliance_officer)

    response = client.post(f"{VERIFY}?next={DASHBOARD}", {"token": totp_now(_device(compliance_officer))})

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    assert dashboard_title(client.get(DASHBOARD)) == "Compliance dashboard"


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [("//evil.example/", DASHBOARD), ("https://evil.example/", DASHBOARD),
     ("/accounts/password-reset/", "/accounts/password-reset/")],
)
def test_verification_follows_only_a_local_next_address(client, sign_in, operator, next_url, lands_on):
    sign_in(operator)

    response = client.post(VERIFY, {"token": totp_now(_device(operator))}, QUERY_STRING=f"next={next_url}")

    assert response.status_code == 302
    assert response["Location"] == lands_on


def test_a_code_cannot_be_used_twice(client, sign_in, operator, password):
    code = totp_now(_device(operator))
    sign_in(operator)
    assert client.post(VERIFY, {"token": code}).status_code == 302
    client.post(reverse("accounts:logout"))

    sign_in(operator)
    response = client.post(VERIFY, {"token": code})

    assert response.status_code == 400
    assert client.get(DASHBOARD)["Location"].startswith(VERIFY)


def test_right_after_a_wrong_code_further_attempts_are_throttled(client, settings, sign_in, operator):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    sign_in(operator)
    device = _device(operator)
    client.post(VERIFY, {"token": wrong_totp(device)})

    response = client.post(VERIFY, {"token": totp_now(device)})

    assert response.status_code == 400
    assert "Too many wrong codes" in response.content.decode()
    assert client.get(DASHBOARD)["Location"].startswith(VERIFY)


@pytest.mark.parametrize(
    ("persona", "title"),
    [("verified_investor", "Investor dashboard"), ("issuer_member", "Issuer member dashboard")],
)
def test_investors_and_issuer_members_need_no_second_factor(request, client, sign_in, persona, title):
    user = request.getfixturevalue(persona)
    sign_in(user)

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    assert dashboard_title(response) == title
    assert not TOTPDevice.objects.filter(user=user).exists()
