"""A password reset, a 2FA reset and "sign out everywhere" end all of a person's browser
sessions and API tokens; "sign out" over the API ends only that token (issue 11, items 3, 4)."""

import re

from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.credentials import ApiToken, UserSession
from accounts.tests.helpers import api_token_for
from core.models import AuditEvent

ME = reverse("api:me")
DASHBOARD = reverse("accounts:dashboard")
NEW_PASSWORD = "cherry-lantern-harbour-77"


def _signed_in_browser(user) -> Client:
    browser = Client()
    browser.force_login(user)
    assert browser.get(DASHBOARD).status_code == 200
    return browser


def _works(key: str) -> bool:
    return Client().get(ME, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def _reset_password(client, user) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = reverse("accounts:password-reset-confirm", args=[uid, default_token_generator.make_token(user)])
    form_page = client.get(link, follow=True)
    response = client.post(form_page.redirect_chain[-1][0],
                           {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302


def test_a_password_reset_ends_the_old_tokens_and_sessions(client, verified_investor):
    key = api_token_for(verified_investor, device="laptop")
    browser = _signed_in_browser(verified_investor)

    _reset_password(client, verified_investor)

    assert not _works(key)
    assert browser.get(DASHBOARD).status_code == 302
    assert not UserSession.objects.filter(user=verified_investor).exists()
    event = AuditEvent.objects.get(action="user.sessions_ended")
    assert event.new_values == {"reason": "password_reset", "sessions": 1, "tokens": 1}


def test_removing_a_two_factor_device_ends_the_persons_tokens_and_sessions(operator):
    key = api_token_for(operator)
    assert _works(key)
    session = UserSession.objects.create(session_key="x" * 32, session_data="", expire_date="2999-01-01T00:00Z",
                                         user=operator)

    operator.totpdevice_set.get().delete()  # a 2FA reset, from the admin site or a support script

    assert not _works(key)
    assert not UserSession.objects.filter(pk=session.pk).exists()
    assert AuditEvent.objects.get(action="user.sessions_ended").new_values["reason"] == "two_factor_reset"


def test_api_logout_ends_only_this_token(client, verified_investor):
    laptop, phone = api_token_for(verified_investor, device="laptop"), api_token_for(verified_investor, device="phone")

    response = client.post(reverse("api:logout"), content_type="application/json", HTTP_AUTHORIZATION=f"Token {laptop}")

    assert response.status_code == 204
    assert not _works(laptop)
    assert _works(phone)
    assert AuditEvent.objects.get(action="api_token.revoked").new_values == {"device": "laptop"}


def test_api_logout_all_ends_every_token_and_session(client, verified_investor):
    laptop, phone = api_token_for(verified_investor, device="laptop"), api_token_for(verified_investor, device="phone")
    browser = _signed_in_browser(verified_investor)

    response = client.post(reverse("api:logout-all"), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Token {laptop}")

    assert response.status_code == 200
    assert response.json() == {"sessions": 1, "tokens": 2}
    assert not _works(laptop) and not _works(phone)
    assert browser.get(DASHBOARD).status_code == 302
    assert not ApiToken.objects.filter(user=verified_investor).exists()


def test_logout_endpoints_need_a_credential(client, db):
    for name in ("api:logout", "api:logout-all"):
        response = client.post(reverse(name))
        assert response.status_code in (401, 403)
        assert response.json()["error"]["code"] == "not_authenticated"


def test_the_sign_out_everywhere_button_ends_all_sessions_and_tokens(verified_investor):
    key = api_token_for(verified_investor, device="laptop")
    other_browser = _signed_in_browser(verified_investor)
    browser = _signed_in_browser(verified_investor)
    page = browser.get(reverse("accounts:security")).content.decode()
    assert "laptop" in page and 'data-testid="sign-out-everywhere"' in page

    response = browser.post(reverse("accounts:logout-everywhere"))

    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert not _works(key)
    assert other_browser.get(DASHBOARD).status_code == 302
    assert browser.get(DASHBOARD).status_code == 302


def test_one_token_is_revoked_from_the_security_page(verified_investor):
    laptop, phone = api_token_for(verified_investor, device="laptop"), api_token_for(verified_investor, device="phone")
    browser = _signed_in_browser(verified_investor)
    page = browser.get(reverse("accounts:security")).content.decode()
    digests = dict(ApiToken.objects.filter(user=verified_investor).values_list("name", "digest"))
    assert re.search(rf'action="[^"]*{digests["laptop"]}/revoke/"', page)

    browser.post(reverse("accounts:api-token-revoke", args=[digests["laptop"]]))

    assert not _works(laptop) and _works(phone)


def test_nobody_revokes_another_persons_token(verified_investor, outsider):
    key = api_token_for(verified_investor, device="laptop")
    digest = ApiToken.objects.get(user=verified_investor).digest

    _signed_in_browser(outsider).post(reverse("accounts:api-token-revoke", args=[digest]))

    assert _works(key)
