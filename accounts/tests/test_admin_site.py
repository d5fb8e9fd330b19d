"""The admin site requires 2FA (django-otp's OTPAdminSite) and has no password form of its
own: /admin/login/ sends people to the throttled sign-in page (issue 11, item 6)."""

from urllib.parse import parse_qs, urlsplit

from django.test import Client
from django.urls import reverse

from accounts.models import Role
from accounts.tests.factories import TOTPDeviceFactory, UserFactory
from accounts.tests.helpers import api_token_for
from core.models import AuditEvent

ADMIN = reverse("admin:index")
ADMIN_LOGIN = reverse("admin:login")


def test_the_admin_login_form_checks_no_password(client, db, password):
    admin = UserFactory(email="root@shoken.test", role=Role.OPERATOR, is_staff=True, is_superuser=True)
    TOTPDeviceFactory(user=admin)

    response = client.post(f"{ADMIN_LOGIN}?next={ADMIN}", {"username": admin.email, "password": password})

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("accounts:login") and parse_qs(location.query)["next"] == [ADMIN]
    assert client.get(ADMIN).status_code == 302  # not signed in


def test_staff_without_a_verified_session_do_not_reach_the_admin(client, db, password):
    staff = UserFactory(email="helper@shoken.test", role=Role.INVESTOR, is_staff=True, is_superuser=False)
    client.post(reverse("accounts:login"), {"email": staff.email, "password": password})

    response = client.get(ADMIN, follow=True)

    assert [urlsplit(url).path for url, _status in response.redirect_chain] == [ADMIN_LOGIN, reverse("accounts:login")]
    assert response.status_code == 200 and b'name="password"' in response.content


def test_a_superuser_after_2fa_reaches_the_admin(db, login_verified):
    admin = UserFactory(email="root@shoken.test", role=Role.OPERATOR, is_staff=True, is_superuser=True)
    TOTPDeviceFactory(user=admin)
    browser = login_verified(admin)

    assert browser.get(ADMIN).status_code == 200


def test_the_sign_in_behind_the_admin_is_throttled(client, db, settings, password):
    admin = UserFactory(email="root@shoken.test", role=Role.OPERATOR, is_staff=True, is_superuser=True)
    login = client.get(ADMIN_LOGIN)["Location"]
    for _ in range(settings.LOGIN_THROTTLE_MAX_FAILURES):
        client.post(login, {"email": admin.email, "password": "guess-again-1"})

    assert client.post(login, {"email": admin.email, "password": password}).status_code == 429


def test_a_role_change_in_the_admin_ends_the_persons_tokens(db, login_verified, verified_investor):
    key = api_token_for(verified_investor)
    admin = UserFactory(email="root@shoken.test", role=Role.OPERATOR, is_staff=True, is_superuser=True)
    TOTPDeviceFactory(user=admin)
    browser = login_verified(admin)
    joined = verified_investor.date_joined

    response = browser.post(reverse("admin:accounts_user_change", args=[verified_investor.pk]), {
        "email": verified_investor.email, "full_name": verified_investor.full_name, "role": Role.COMPLIANCE,
        "language": "", "is_active": "on", "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
    })

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Client().get(reverse("api:me"), HTTP_AUTHORIZATION=f"Token {key}").status_code in (401, 403)
    assert AuditEvent.objects.get(action="user.sessions_ended").new_values["reason"] == "role_changed"
