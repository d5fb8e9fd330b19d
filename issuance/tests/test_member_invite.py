"""The issuer admin invites members by e-mail (set-password link) and sets their role."""

import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Membership, Role, User
from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from issuance.services import member_invite, member_role_set


def test_invited_member_gets_an_email_and_sets_a_password(issuer, issuer_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        membership = member_invite(issuer=issuer, email="New.Person@Sakura.test", role="member", actor=issuer_admin,
                                   base_url="http://testserver")
    user = membership.user
    assert user.email == "new.person@sakura.test" and user.role == Role.ISSUER and not user.has_usable_password()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.person@sakura.test"]
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    client = Client()
    page = client.get(link, follow=True)
    response = client.post(page.redirect_chain[-1][0], {"new_password1": "a-long-new-pass-42", "new_password2": "a-long-new-pass-42"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-long-new-pass-42")


def test_invalid_email_is_refused(issuer, issuer_admin):
    with pytest.raises(ApplicationError) as err:
        member_invite(issuer=issuer, email="not-an-email", role="member", actor=issuer_admin)
    assert err.value.code == "invalid_email"
    assert not User.objects.filter(email="not-an-email").exists()
    assert mail.outbox == []


def test_unknown_role_is_refused(issuer, issuer_admin):
    with pytest.raises(ApplicationError) as err:
        member_invite(issuer=issuer, email="x@sakura.test", role="owner", actor=issuer_admin)
    assert err.value.code == "invalid_role"


def test_member_cannot_invite(issuer, issuer_member):
    with pytest.raises(PermissionDeniedError):
        member_invite(issuer=issuer, email="x@sakura.test", role="member", actor=issuer_member)


def test_inviting_an_existing_member_or_an_investor_is_refused(issuer, issuer_admin, issuer_member, verified_investor):
    with pytest.raises(ConflictError) as err:
        member_invite(issuer=issuer, email=issuer_member.email, role="member", actor=issuer_admin)
    assert err.value.code == "already_member"
    with pytest.raises(ConflictError) as err:
        member_invite(issuer=issuer, email=verified_investor.email, role="member", actor=issuer_admin)
    assert err.value.code == "email_taken"


def test_admin_promotes_a_member_but_not_demote_the_last_admin(issuer, issuer_admin, issuer_member):
    m = Membership.objects.get(user=issuer_member)
    assert member_role_set(membership=m, role="admin", actor=issuer_admin).role == "admin"
    member_role_set(membership=m, role="member", actor=issuer_admin)
    own = Membership.objects.get(user=issuer_admin)
    with pytest.raises(ConflictError) as err:
        member_role_set(membership=own, role="member", actor=issuer_admin)
    assert err.value.code == "last_admin"
