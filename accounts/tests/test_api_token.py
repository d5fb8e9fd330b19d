"""Scripts get an API token per device with e-mail and password; staff must add a current
TOTP code. Tokens have a lifetime and are stored only as a digest (django-rest-knox)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from accounts.credentials import ApiToken as Token
from accounts.tests.helpers import wrong_totp
from conftest import totp_now
from core.models import AuditEvent

TOKEN = reverse("api:token")
ME = reverse("api:me")


def _ask_token(client, **data):
    return client.post(TOKEN, data, content_type="application/json")


def test_an_investor_gets_a_token_and_calls_the_api_with_it(client, verified_investor, password):
    response = _ask_token(client, email=verified_investor.email, password=password)

    assert response.status_code == 200
    key = response.json()["token"]
    stored = Token.objects.get(user=verified_investor)
    assert key not in (stored.digest, stored.token_key)  # only a digest is kept
    assert stored.two_factor_verified is False and stored.expiry > timezone.now()

    me = client.get(ME, HTTP_AUTHORIZATION=f"Token {key}")
    assert me.status_code == 200
    assert me.json() == {
        "id": verified_investor.pk,
        "email": "investor@example.test",
        "full_name": verified_investor.full_name,
        "role": "investor",
        "dashboard": "investor",
    }


def test_each_device_gets_its_own_token_and_asking_again_replaces_that_devices(client, verified_investor, password):
    laptop = _ask_token(client, email=verified_investor.email, password=password, device="laptop").json()
    server = _ask_token(client, email=verified_investor.email, password=password, device="build server").json()
    laptop_again = _ask_token(client, email=verified_investor.email, password=password, device="laptop").json()

    assert laptop["device"] == "laptop" and server["device"] == "build server"
    assert client.get(ME, HTTP_AUTHORIZATION=f"Token {server['token']}").status_code == 200
    assert client.get(ME, HTTP_AUTHORIZATION=f"Token {laptop_again['token']}").status_code == 200
    assert client.get(ME, HTTP_AUTHORIZATION=f"Token {laptop['token']}").status_code in (401, 403)
    names = Token.objects.filter(user=verified_investor).values_list("name", flat=True)
    assert sorted(names) == ["build server", "laptop"]


def test_without_a_device_name_the_user_agent_names_it(client, verified_investor, password):
    response = client.post(TOKEN, {"email": verified_investor.email, "password": password},
                           content_type="application/json", HTTP_USER_AGENT="deploy-script/1.2\n")

    assert response.json()["device"] == "deploy-script/1.2"


def test_a_token_past_its_lifetime_is_refused(client, verified_investor, password):
    key = _ask_token(client, email=verified_investor.email, password=password).json()["token"]
    Token.objects.filter(user=verified_investor).update(expiry=timezone.now() - timedelta(seconds=1))

    response = client.get(ME, HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code in (401, 403)  # 403 while SessionAuthentication comes first
    assert response.json()["error"]["code"] == "authentication_failed"
    assert not Token.objects.filter(user=verified_investor).exists()


def test_the_lifetime_comes_from_settings(client, settings, verified_investor, password):
    body = _ask_token(client, email=verified_investor.email, password=password).json()

    lifetime = Token.objects.get(user=verified_investor).expiry - timezone.now()
    assert abs(lifetime.total_seconds() - settings.API_TOKEN_TTL_HOURS * 3600) < 60
    assert body["expiry"]


def test_a_person_holds_at_most_the_configured_number_of_tokens(client, settings, verified_investor, password):
    settings.API_TOKEN_MAX_PER_USER = 2
    first = _ask_token(client, email=verified_investor.email, password=password, device="one").json()["token"]
    _ask_token(client, email=verified_investor.email, password=password, device="two")
    _ask_token(client, email=verified_investor.email, password=password, device="three")

    assert sorted(Token.objects.filter(user=verified_investor).values_list("name", flat=True)) == ["three", "two"]
    assert client.get(ME, HTTP_AUTHORIZATION=f"Token {first}").status_code in (401, 403)


def test_a_wrong_password_is_refused_with_invalid_credentials(client, verified_investor):
    response = _ask_token(client, email=verified_investor.email, password="not-my-password")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert not Token.objects.exists()
    assert AuditEvent.objects.filter(action="user.sign_in_failed", object_id=verified_investor.email).count() == 1


def test_staff_without_a_code_are_refused_with_invalid_totp(client, compliance_officer, password):
    response = _ask_token(client, email=compliance_officer.email, password=password)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_totp"
    assert "token" in error["fields"]
    assert not Token.objects.filter(user=compliance_officer).exists()


def test_staff_with_a_wrong_code_are_refused(client, operator, password):
    response = _ask_token(client, email=operator.email, password=password,
                          otp_code=wrong_totp(operator.totpdevice_set.get()))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_totp"
    assert not Token.objects.filter(user=operator).exists()


def test_staff_with_a_valid_code_get_a_token(client, issuer_admin, password):
    code = totp_now(issuer_admin.totpdevice_set.get())

    response = _ask_token(client, email=issuer_admin.email, password=password, otp_code=code)

    assert response.status_code == 200
    me = client.get(ME, HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert me.json()["dashboard"] == "issuer_admin"
    assert Token.objects.get(user=issuer_admin).two_factor_verified is True


def test_the_token_endpoint_is_throttled_like_the_sign_in_page(client, settings, verified_investor, password):
    for _ in range(settings.LOGIN_THROTTLE_MAX_FAILURES):
        _ask_token(client, email=verified_investor.email, password="guess-again-1")

    response = _ask_token(client, email=verified_investor.email, password=password)

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert not Token.objects.exists()
