"""Password-reset mails are rate limited per e-mail address and per client address; beyond
the limit no mail goes out and the page answers exactly the same (issue 11, item 6)."""

from django.core import mail
from django.urls import reverse

from core.models import AuditEvent

REQUEST = reverse("accounts:password-reset")
SENT = reverse("accounts:password-reset-done")


def test_one_address_gets_only_so_many_mails(client, settings, verified_investor):
    settings.PASSWORD_RESET_MAX_PER_EMAIL = 3
    answers = [client.post(REQUEST, {"email": verified_investor.email}, REMOTE_ADDR=f"192.0.2.{n}") for n in range(15)]

    assert len(mail.outbox) == 3
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, SENT)}
    assert AuditEvent.objects.filter(action="user.password_reset_throttled").count() == 12


def test_one_client_address_cannot_mail_many_accounts(client, settings, verified_investor, outsider):
    settings.PASSWORD_RESET_MAX_PER_ADDRESS = 2
    for email in ("ghost1@example.test", "ghost2@example.test", verified_investor.email):
        client.post(REQUEST, {"email": email}, REMOTE_ADDR="203.0.113.5")

    assert mail.outbox == []  # the two allowed requests were for unknown addresses
    assert client.post(REQUEST, {"email": outsider.email}, REMOTE_ADDR="198.51.100.1")["Location"] == SENT
    assert [m.to for m in mail.outbox] == [[outsider.email]]
