"""A user who forgot the password asks for a link by e-mail, follows it within the hour and
chooses a new password. An expired or used link changes nothing."""

import re

from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from core.models import AuditEvent

REQUEST = reverse("accounts:password-reset")
SENT = reverse("accounts:password-reset-done")
NEW_PASSWORD = "cherry-lantern-harbour-77"


def _link_in(message) -> str:
    match = re.search(r"http://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def _set_new_password(client, link: str, password: str = NEW_PASSWORD):
    form_page = client.get(link, follow=True)  # Django swaps the token for a session marker
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    return client.post(set_password_url, {"new_password1": password, "new_password2": password})


def test_asking_for_a_reset_sends_one_email_with_a_link(client, verified_investor):
    response = client.post(REQUEST, {"email": "Investor@Example.test"})

    assert response.status_code == 302
    assert response["Location"] == SENT
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["investor@example.test"]
    assert message.subject == "Reset your Shoken password"
    assert _link_in(message).startswith("/accounts/reset/")


def test_following_the_link_sets_a_new_password_that_signs_in(client, verified_investor, password):
    client.post(REQUEST, {"email": verified_investor.email})
    link = _link_in(mail.outbox[0])

    response = _set_new_password(client, link)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password-reset-complete")
    verified_investor.refresh_from_db()
    assert verified_investor.check_password(NEW_PASSWORD)
    assert not verified_investor.check_password(password)
    event = AuditEvent.objects.get(action="user.password_changed")
    assert event.actor == verified_investor
    assert event.new_values == {"via": "reset"}

    signed_in = client.post(reverse("accounts:login"), {"email": verified_investor.email, "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    assert signed_in["Location"] == reverse("accounts:dashboard")


def test_the_new_password_must_be_strong_too(client, verified_investor, password):
    client.post(REQUEST, {"email": verified_investor.email})

    response = _set_new_password(client, _link_in(mail.outbox[0]), password="12345678901")

    assert response.status_code == 200
    assert "This password is entirely numeric" in response.content.decode()
    verified_investor.refresh_from_db()
    assert verified_investor.check_password(password)


def test_a_link_works_only_once(client, verified_investor):
    client.post(REQUEST, {"email": verified_investor.email})
    link = _link_in(mail.outbox[0])
    _set_new_password(client, link)

    response = client.get(link, follow=True)

    assert "This link is no longer valid" in response.content.decode()


def test_an_expired_link_shows_a_clear_page_and_changes_nothing(client, settings, verified_investor, password):
    settings.PASSWORD_RESET_TIMEOUT = 60 * 60
    generator = default_token_generator
    issued_two_hours_ago = generator._num_seconds(generator._now()) - 2 * 60 * 60
    token = generator._make_token_with_timestamp(verified_investor, issued_two_hours_ago, generator.secret)
    uid = urlsafe_base64_encode(force_bytes(verified_investor.pk))
    link = reverse("accounts:password-reset-confirm", args=[uid, token])

    response = client.get(link, follow=True)
    attempt = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    content = response.content.decode()
    assert "This link is no longer valid" in content
    assert 'data-error-code="invalid_reset_link"' in content
    assert 'name="new_password1"' not in content
    assert "This link is no longer valid" in attempt.content.decode()
    verified_investor.refresh_from_db()
    assert verified_investor.check_password(password)
    assert not AuditEvent.objects.filter(action="user.password_changed").exists()


def test_a_link_within_the_hour_still_works(client, settings, verified_investor):
    settings.PASSWORD_RESET_TIMEOUT = 60 * 60
    generator = default_token_generator
    issued_fifty_minutes_ago = generator._num_seconds(generator._now()) - 50 * 60
    token = generator._make_token_with_timestamp(verified_investor, issued_fifty_minutes_ago, generator.secret)
    uid = urlsafe_base64_encode(force_bytes(verified_investor.pk))

    response = _set_new_password(client, reverse("accounts:password-reset-confirm", args=[uid, token]))

    assert response.status_code == 302
    verified_investor.refresh_from_db()
    assert verified_investor.check_password(NEW_PASSWORD)


def test_an_unknown_email_gets_the_same_page_and_no_mail(client, verified_investor):
    known = client.post(REQUEST, {"email": verified_investor.email}, follow=True)
    mail.outbox.clear()

    unknown = client.post(REQUEST, {"email": "ghost@example.test"}, follow=True)

    assert unknown.redirect_chain == known.redirect_chain == [(SENT, 302)]
    assert "Check your e-mail" in unknown.content.decode()
    assert mail.outbox == []
    assert User.objects.filter(email="ghost@example.test").exists() is False
