"""Operators (and superusers) invite staff with a role; the invitee creates the account from
the e-mailed link and must enrol an authenticator before any page. Nobody else reaches the
staff page, bad input comes back on the form, and a used, revoked or expired link is refused."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import staff
from accounts.models import Role, StaffInvitation, User
from accounts.tests.factories import UserFactory
from core.errors import ApplicationError
from core.models import AuditEvent

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-long-staff-passphrase-42"


def _invite_on_page(client, email="keiko.new@shoken.test", role=Role.COMPLIANCE, capture=None):
    with capture(execute=True):
        return client.post(reverse("accounts:staff"), {"email": email, "role": role})


def _link_from_mail() -> str:
    return re.search(r"https?://\S+/accounts/staff/join/\d+/\S+/", mail.outbox[-1].body).group(0)


def test_an_operator_invites_a_compliance_officer_who_signs_up_and_must_enrol_2fa(
        client, login_verified, operator, django_capture_on_commit_callbacks):
    login_verified(operator)

    response = _invite_on_page(client, capture=django_capture_on_commit_callbacks)

    assert response.status_code == 302
    invitation = StaffInvitation.objects.get()
    assert (invitation.email, invitation.role, invitation.status) == ("keiko.new@shoken.test", "compliance", "pending")
    assert len(invitation.token_hash) == 64 and invitation.expires_at > timezone.now()
    assert mail.outbox[-1].to == ["keiko.new@shoken.test"]
    link = _link_from_mail()
    assert invitation.token_hash not in link
    assert AuditEvent.objects.filter(action="staff_invitation.created", actor=operator).exists()
    listed = client.get(reverse("accounts:staff")).content.decode()
    assert "keiko.new@shoken.test" in listed and 'data-testid="staff-invitations"' in listed

    client.post(reverse("accounts:logout"))
    path = link.split("testserver", 1)[-1]
    assert client.get(path).status_code == 200
    response = client.post(path, {"full_name": "Keiko New", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})

    assert response.status_code == 302
    user = User.objects.get(email="keiko.new@shoken.test")
    assert user.role == Role.COMPLIANCE and user.check_password(NEW_PASSWORD) and user.requires_two_factor
    invitation.refresh_from_db()
    assert invitation.status == "accepted" and invitation.user == user and invitation.decided_at
    assert AuditEvent.objects.filter(action="user.created", actor=user).exists()
    # signed in, but every page leads to authenticator enrolment first
    dashboard = client.get(reverse("accounts:dashboard"))
    assert dashboard.status_code == 302 and dashboard["Location"].startswith(reverse("accounts:2fa-enrol"))
    # the link works once
    client.logout()
    again = client.post(path, {"full_name": "X", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert again.status_code == 409 and User.objects.filter(email="keiko.new@shoken.test").count() == 1


@pytest.mark.parametrize("persona", ["compliance_officer", "issuer_admin", "verified_investor", "cash_agent"])
def test_only_operators_and_superusers_reach_the_staff_page(client, login_verified, persona, request):
    user = request.getfixturevalue(persona)
    login_verified(user)

    assert client.get(reverse("accounts:staff")).status_code == 403
    assert client.post(reverse("accounts:staff"), {"email": "x@shoken.test", "role": "operator"}).status_code == 403

    assert not StaffInvitation.objects.exists()
    assert AuditEvent.objects.filter(action="access_denied", actor=user).exists()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("accounts:staff"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_a_superuser_of_any_role_may_invite_but_the_service_refuses_other_staff(compliance_officer):
    root = UserFactory(email="root@shoken.test", role=Role.COMPLIANCE, is_superuser=True, is_staff=True)

    invitation = staff.staff_invite(email="ops@shoken.test", role=Role.OPERATOR, actor=root)

    assert invitation.invited_by == root
    with pytest.raises(ApplicationError) as exc:
        staff.staff_invite(email="other@shoken.test", role=Role.OPERATOR, actor=compliance_officer)
    assert (exc.value.status, exc.value.code) == (403, "operator_required")
    with pytest.raises(ApplicationError) as exc:
        staff.staff_invitation_revoke(pk=invitation.pk, actor=compliance_officer)
    assert exc.value.code == "operator_required"


BAD_INPUT = [
    ("not-an-address", Role.OPERATOR, "email"),
    ("", Role.OPERATOR, "email"),
    ("x" * 250 + "@shoken.test", Role.OPERATOR, "email"),
    ("fine@shoken.test", Role.INVESTOR, "role"),
    ("fine@shoken.test", "superuser", "role"),
    ("fine@shoken.test", "", "role"),
    ("operator@shoken.test", Role.OPERATOR, "email"),   # has an account already
]


def test_bad_input_comes_back_on_the_form(client, login_verified, operator):
    login_verified(operator)

    for email, role, problem in BAD_INPUT:
        response = client.post(reverse("accounts:staff"), {"email": email, "role": role})

        assert response.status_code == 400, (email, role)
        assert response.context["form"].errors[problem], (email, role)
    assert not StaffInvitation.objects.exists()


def test_one_pending_invitation_per_address(operator):
    staff.staff_invite(email="dup@shoken.test", role=Role.OPERATOR, actor=operator)

    with pytest.raises(ApplicationError) as exc:
        staff.staff_invite(email="DUP@shoken.test", role=Role.CASH_AGENT, actor=operator)

    assert (exc.value.status, exc.value.code) == (409, "invitation_pending")


def test_the_service_refuses_bad_roles_and_addresses(operator):
    for email, role, code in [("a@b.test", "investor", "invalid_role"), ("nope", "operator", "invalid_email"),
                              ("operator@shoken.test", "operator", "email_taken")]:
        with pytest.raises(ApplicationError) as exc:
            staff.staff_invite(email=email, role=role, actor=operator)
        assert exc.value.code == code


def test_a_revoked_invitation_link_no_longer_works(client, login_verified, operator):
    invitation = staff.staff_invite(email="gone@shoken.test", role=Role.CASH_AGENT, actor=operator)
    login_verified(operator)

    response = client.post(reverse("accounts:staff-invitation-revoke", args=[invitation.pk]))

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    assert AuditEvent.objects.filter(action="staffinvitation.revoked", actor=operator).exists()
    with pytest.raises(ApplicationError) as exc:
        staff.staff_invitation_revoke(pk=invitation.pk, actor=operator)
    assert exc.value.code == "invitation_not_pending"
    assert client.post(reverse("accounts:staff-invitation-revoke", args=[999999])).status_code == 404
    with pytest.raises(ApplicationError) as exc:
        staff.staff_invitation_accept(pk=invitation.pk, token="whatever", password=NEW_PASSWORD)
    assert exc.value.code == "not_found"


def test_wrong_token_expired_link_and_weak_password(client, operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = staff.staff_invite(email="late@shoken.test", role=Role.OPERATOR, actor=operator)
    path = _link_from_mail().split("testserver", 1)[-1]
    wrong = path.rstrip("/").rsplit("/", 1)[0] + "/wrong-token/"

    assert client.get(wrong).status_code == 404
    weak = client.post(path, {"full_name": "Late", "password": "123", "password_again": "123"})
    assert weak.status_code == 400 and weak.context["form"].errors["password"]
    mismatch = client.post(path, {"full_name": "Late", "password": NEW_PASSWORD, "password_again": "other"})
    assert mismatch.status_code == 400 and mismatch.context["form"].errors["password_again"]
    assert not User.objects.filter(email="late@shoken.test").exists()

    StaffInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get(path).status_code == 409
    with pytest.raises(ApplicationError) as exc:
        token = path.rstrip("/").rsplit("/", 1)[1]
        staff.staff_invitation_accept(pk=invitation.pk, token=token, password=NEW_PASSWORD)
    assert exc.value.code == "invitation_expired"
    invitation.refresh_from_db()
    assert invitation.status == "expired" and not User.objects.filter(email="late@shoken.test").exists()


def test_the_staff_page_and_the_invitation_e_mail_speak_japanese(client, login_verified, operator,
                                                                  django_capture_on_commit_callbacks):
    login_verified(operator)
    client.cookies["django_language"] = "ja"

    page = client.get(reverse("accounts:staff"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:staff"), {"email": "ja@shoken.test", "role": Role.CASH_AGENT},
                    HTTP_ACCEPT_LANGUAGE="ja")

    assert "スタッフ" in page and "Invite a member of staff" not in page
    assert "招待" in mail.outbox[-1].subject and "二要素認証" in mail.outbox[-1].body


def test_a_pending_invitation_past_its_expiry_reads_expired_on_the_staff_page(client, login_verified, operator):
    live = staff.staff_invite(email="live@shoken.test", role=Role.OPERATOR, actor=operator)
    late = staff.staff_invite(email="late@shoken.test", role=Role.OPERATOR, actor=operator)
    StaffInvitation.objects.filter(pk=late.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    login_verified(operator)
    rows = {row.email: row for row in client.get(reverse("accounts:staff")).context["invitations"]}
    assert rows["late@shoken.test"].status_shown == "Expired" and rows["late@shoken.test"].status == "pending"
    assert rows["live@shoken.test"].status_shown == "Pending" and live.status == "pending"
