"""A user signs in with e-mail and password; wrong passwords are counted, and after too
many the account is locked from that address for a while (accounts/throttle.py)."""

from urllib.parse import quote, urljoin, urlsplit

import pytest
from django.urls import reverse

from core.models import AuditEvent

DASHBOARD = reverse("accounts:dashboard")
WRONG_MESSAGE = "The e-mail address or password is not correct."


def _is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_an_investor_signs_in_and_lands_on_the_dashboard(client, sign_in, verified_investor):
    response = sign_in(verified_investor)

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    assert client.session["_auth_user_id"] == str(verified_investor.pk)
    assert AuditEvent.objects.filter(action="user.signed_in", actor=verified_investor).count() == 1


def test_the_email_is_matched_whatever_its_case(client, password, verified_investor):
    response = client.post(reverse("accounts:login"), {"email": "Investor@EXAMPLE.test", "password": password})

    assert response.status_code == 302
    assert _is_signed_in(client)


def test_a_wrong_password_gets_a_message_and_is_audited(client, sign_in, verified_investor):
    response = sign_in(verified_investor, with_password="not-my-password")

    assert response.status_code == 400
    assert WRONG_MESSAGE in response.content.decode()
    assert not _is_signed_in(client)
    failed = AuditEvent.objects.get(action="user.sign_in_failed")
    assert failed.object_id == verified_investor.email
    assert failed.actor is None


def test_an_unknown_email_gets_the_same_message(client, db):
    response = client.post(reverse("accounts:login"), {"email": "ghost@example.test", "password": "whatever-123"})

    assert response.status_code == 400
    assert WRONG_MESSAGE in response.content.decode()


def test_after_too_many_failures_even_the_right_password_is_refused(client, settings, sign_in, verified_investor):
    for _ in range(settings.LOGIN_THROTTLE_MAX_FAILURES):
        assert sign_in(verified_investor, with_password="guess-again-1").status_code == 400

    response = sign_in(verified_investor)

    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert not _is_signed_in(client)
    assert AuditEvent.objects.filter(action="user.sign_in_locked").count() == 1
    assert AuditEvent.objects.filter(action="user.sign_in_failed").count() == settings.LOGIN_THROTTLE_MAX_FAILURES


def test_one_failure_short_of_the_limit_still_lets_the_owner_in(client, settings, sign_in, verified_investor):
    for _ in range(settings.LOGIN_THROTTLE_MAX_FAILURES - 1):
        sign_in(verified_investor, with_password="guess-again-1")

    assert sign_in(verified_investor).status_code == 302
    assert _is_signed_in(client)


def test_one_address_guessing_many_accounts_is_locked_too(client, settings, sign_in, verified_investor, outsider):
    """Spraying one password over many accounts from one address trips the address lock
    (for accounts that never signed in from there; see test_sign_in_throttle.py)."""
    settings.LOGIN_THROTTLE_ADDRESS_MAX_FAILURES = 3
    for n in range(3):
        client.post(reverse("accounts:login"), {"email": f"victim{n}@example.test", "password": "Summer2026!"})

    assert sign_in(outsider).status_code == 429
    assert not _is_signed_in(client)


@pytest.mark.parametrize("next_url", ["//evil.example/", "https://evil.example/", "/\\evil.example/",
                                      "\\\\evil.example"])
def test_an_unsafe_next_address_is_not_followed(sign_in, verified_investor, next_url):
    response = sign_in(verified_investor, next_url=quote(next_url, safe=""))

    assert response.status_code == 302
    # where a browser goes from here: still our own site
    followed = urlsplit(urljoin("http://testserver/accounts/login/", response["Location"].replace("\\", "/")))
    assert followed.netloc == "testserver"


def test_a_local_next_address_is_followed(sign_in, verified_investor):
    target = reverse("accounts:password-reset")

    response = sign_in(verified_investor, next_url=target)

    assert response["Location"] == target


def test_signing_out_ends_the_session(client, sign_in, verified_investor):
    sign_in(verified_investor)

    response = client.post(reverse("accounts:logout"))

    assert response["Location"] == reverse("accounts:login")
    assert not _is_signed_in(client)
    assert client.get(DASHBOARD).status_code == 302
    assert client.get(reverse("accounts:logout")).status_code == 405  # GET must not sign out
