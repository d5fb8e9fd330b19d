"""Scripts get an API token with e-mail and password; staff must add a current TOTP code."""

from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.tests.helpers import wrong_totp
from conftest import totp_now
from core.models import AuditEvent

TOKEN = reverse("api:token")
ME = reverse("api:me")


def _ask_token(client, **data):  # noqa: ANN001, ANN003
    return client.post(TOKEN, data, content_type="application/json")


def test_an_investor_gets_a_token_and_calls_the_api_with_it(client, verified_investor, password):
    response = _ask_token(client, email=verified_investor.email, password=password)

    assert response.status_code == 200
    key = response.json()["token"]
    assert Token.objects.get(user=verified_investor).key == key

    me = client.get(ME, HTTP_AUTHORIZATION=f"Token {key}")
    assert me.status_code == 200
    assert me.json() == {
        "id": verified_investor.pk,
        "email": "investor@example.test",
        "full_name": verified_investor.full_name,
        "role": "investor",
        "dashboard": "investor",
    }


def test_asking_again_returns_the_same_token(client, verified_investor, password):
    first = _ask_token(client, email=verified_investor.email, password=password).json()["token"]
    second = _ask_token(client, email=verified_investor.email, password=password).json()["token"]

    assert first == second
    assert Token.objects.filter(user=verified_investor).count() == 1


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
    response = _ask_token(client, email=operator.email, password=password, otp_code=wrong_totp(operator.totpdevice_set.get()))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_totp"
    assert not Token.objects.filter(user=operator).exists()


def test_staff_with_a_valid_code_get_a_token(client, issuer_admin, password):
    code = totp_now(issuer_admin.totpdevice_set.get())

    response = _ask_token(client, email=issuer_admin.email, password=password, otp_code=code)

    assert response.status_code == 200
    me = client.get(ME, HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert me.json()["dashboard"] == "issuer_admin"


def test_the_token_endpoint_is_throttled_like_the_sign_in_page(client, settings, verified_investor, password):
    for _ in range(settings.LOGIN_THROTTLE_MAX_FAILURES):
        _ask_token(client, email=verified_investor.email, password="guess-again-1")

    response = _ask_token(client, email=verified_investor.email, password=password)

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert not Token.objects.exists()
