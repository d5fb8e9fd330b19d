"""An investor signs up with an e-mail address and a password; bad input gets a clear
message on the page and creates nobody."""

import pytest
from django.urls import reverse

from accounts.models import Role, User
from core.models import AuditEvent

SIGN_UP = reverse("accounts:signup")
GOOD_PASSWORD = "plum-blossom-river-42"


def _form(**overrides) -> dict:
    data = {
        "full_name": "Aiko Tanaka",
        "email": "aiko@example.test",
        "password": GOOD_PASSWORD,
        "password_again": GOOD_PASSWORD,
    }
    data.update(overrides)
    return data


def test_the_sign_up_page_opens_for_a_visitor(client, db):
    response = client.get(SIGN_UP)

    assert response.status_code == 200
    assert "Create an investor account" in response.content.decode()


def test_a_visitor_signs_up_as_an_investor_and_is_signed_in(client, db):
    response = client.post(SIGN_UP, _form(email="  Aiko@Example.TEST "))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:dashboard")
    user = User.objects.get(email="aiko@example.test")
    assert user.role == Role.INVESTOR
    assert user.full_name == "Aiko Tanaka"
    assert user.check_password(GOOD_PASSWORD)
    assert not user.is_staff and not user.is_superuser
    assert client.session["_auth_user_id"] == str(user.pk)
    event = AuditEvent.objects.get(action="user.signed_up")
    assert event.actor == user
    assert event.new_values == {"email": "aiko@example.test", "role": "investor"}

    dashboard = client.get(response["Location"])
    assert dashboard.status_code == 200
    assert "Welcome to Shoken" in dashboard.content.decode()


def test_nobody_can_pick_a_privileged_role_at_sign_up(client, db):
    client.post(SIGN_UP, _form(role="operator", is_staff="on"))

    user = User.objects.get(email="aiko@example.test")
    assert user.role == Role.INVESTOR
    assert not user.is_staff


def test_an_existing_email_in_another_case_is_refused_with_a_clear_message(client, verified_investor):
    response = client.post(SIGN_UP, _form(email="INVESTOR@example.TEST"))

    assert response.status_code == 400
    assert "An account with this e-mail address already exists" in response.content.decode()
    assert User.objects.filter(email__iexact="investor@example.test").count() == 1
    assert not AuditEvent.objects.filter(action="user.signed_up").exists()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password", "This password is too short"),
        ("password1234", "This password is too common"),
        ("12345678901", "This password is entirely numeric"),
        ("aiko.example", "The password is too similar to the"),
    ],
)
def test_a_weak_password_is_refused_with_the_reason(client, db, password, message):
    response = client.post(SIGN_UP, _form(email="aiko@example.test", password=password, password_again=password))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.filter(email="aiko@example.test").exists()


def test_mismatched_passwords_are_refused(client, db):
    response = client.post(SIGN_UP, _form(password_again=GOOD_PASSWORD + "x"))

    assert response.status_code == 400
    assert "The two passwords do not match." in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.parametrize("email", ["aiko", "aiko@", "@example.test", "aiko example@example.test", ""])
def test_an_invalid_email_is_refused(client, db, email):
    response = client.post(SIGN_UP, _form(email=email))

    assert response.status_code == 400
    content = response.content.decode()
    assert "Enter a valid email address." in content or "This field is required." in content
    assert not User.objects.exists()
