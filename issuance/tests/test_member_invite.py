"""The issuer admin invites people by e-mail: an invitation (never an account or a membership)
and an e-mail with the accept link; the same answer whoever owns the address. Admins revoke
pending invitations and set members' roles."""

import re

import pytest
from django.core import mail

from accounts.models import Invitation, Membership, Role, User
from accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from core.models import AuditEvent
from issuance.services import invitation_revoke, member_invite, member_role_set


def _invite(issuer, actor, email, role="member", capture=None):
    if capture is None:
        return member_invite(issuer=issuer, email=email, role=role, actor=actor, base_url="http://testserver")
    with capture(execute=True):
        return member_invite(issuer=issuer, email=email, role=role, actor=actor, base_url="http://testserver")


def test_an_invitation_creates_no_account_and_no_membership(issuer, issuer_admin, django_capture_on_commit_callbacks):
    invitation = _invite(issuer, issuer_admin, "New.Person@Sakura.test", capture=django_capture_on_commit_callbacks)
    assert invitation.email == "new.person@sakura.test" and invitation.status == Invitation.Status.PENDING
    assert not User.objects.filter(email__iexact="new.person@sakura.test").exists()
    assert Membership.objects.filter(organization=issuer.organization).count() == 1  # the admin only
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.person@sakura.test"]
    token = re.search(rf"http://testserver/accounts/invitations/{invitation.pk}/(\S+)/", mail.outbox[0].body).group(1)
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64  # only a hash is stored
    assert AuditEvent.objects.filter(action="invitation.created", object_id=str(invitation.pk),
                                     actor=issuer_admin).exists()


def test_the_answer_is_the_same_for_any_address(issuer, issuer_admin, verified_investor,
                                                django_capture_on_commit_callbacks):
    """No enumeration: a stranger, an investor, another company's person and nobody at all get
    the same kind of invitation and the same e-mail (bar the link)."""
    elsewhere = UserFactory(email="someone@fuji.test", role=Role.ISSUER)
    MembershipFactory(user=elsewhere, organization=OrganizationFactory(name="Fuji Foods"), role="admin")
    answers = []
    for email in ["nobody@nowhere.test", verified_investor.email, elsewhere.email]:
        invitation = _invite(issuer, issuer_admin, email, capture=django_capture_on_commit_callbacks)
        answers.append((invitation.status, invitation.role, type(invitation)))
    assert len(set(answers)) == 1
    assert [m.to[0] for m in mail.outbox] == ["nobody@nowhere.test", verified_investor.email, elsewhere.email]
    bodies = {re.sub(r"/accounts/invitations/\d+/\S+/|\d{4}-\d\d-\d\d \d\d:\d\d", "X", m.body) for m in mail.outbox}
    assert len(bodies) == 1 and len({m.subject for m in mail.outbox}) == 1
    assert list(elsewhere.memberships.values_list("organization__name", flat=True)) == ["Fuji Foods"]


def test_the_email_is_in_the_invitees_language(issuer, issuer_admin, django_capture_on_commit_callbacks):
    UserFactory(email="hanako@fuji.test", role=Role.ISSUER, language="ja")
    _invite(issuer, issuer_admin, "hanako@fuji.test", capture=django_capture_on_commit_callbacks)
    assert "招待" in mail.outbox[0].subject


@pytest.mark.parametrize(("email", "role", "code"), [
    ("not-an-email", "member", "invalid_email"),
    ("a" * 250 + "@x.test", "member", "email_too_long"),
    ("x@sakura.test", "owner", "invalid_role"),
    ("", "member", "invalid_email"),
])
def test_bad_input_is_refused(issuer, issuer_admin, email, role, code):
    with pytest.raises(ApplicationError) as err:
        member_invite(issuer=issuer, email=email, role=role, actor=issuer_admin)
    assert err.value.status == 400 and err.value.code == code
    assert not Invitation.objects.exists() and mail.outbox == []


def test_member_cannot_invite(issuer, issuer_member):
    with pytest.raises(PermissionDeniedError):
        member_invite(issuer=issuer, email="x@sakura.test", role="member", actor=issuer_member)


def test_inviting_a_member_or_a_pending_address_again_is_a_conflict(issuer, issuer_admin, issuer_member):
    with pytest.raises(ConflictError) as err:
        member_invite(issuer=issuer, email=issuer_member.email.upper(), role="member", actor=issuer_admin)
    assert err.value.code == "already_member"
    member_invite(issuer=issuer, email="x@sakura.test", role="member", actor=issuer_admin)
    with pytest.raises(ConflictError) as err:
        member_invite(issuer=issuer, email="X@sakura.test", role="admin", actor=issuer_admin)
    assert err.value.code == "invitation_pending"


def test_admin_revokes_a_pending_invitation_and_can_invite_again(issuer, issuer_admin, issuer_member):
    invitation = member_invite(issuer=issuer, email="x@sakura.test", role="member", actor=issuer_admin)
    with pytest.raises(PermissionDeniedError):
        invitation_revoke(issuer=issuer, pk=invitation.pk, actor=issuer_member)
    assert invitation_revoke(issuer=issuer, pk=invitation.pk, actor=issuer_admin).status == Invitation.Status.REVOKED
    assert AuditEvent.objects.filter(action="invitation.revoked", object_id=str(invitation.pk)).exists()
    with pytest.raises(ConflictError) as err:
        invitation_revoke(issuer=issuer, pk=invitation.pk, actor=issuer_admin)
    assert err.value.code == "invitation_not_pending"
    assert member_invite(issuer=issuer, email="x@sakura.test", role="member", actor=issuer_admin).pk != invitation.pk


def test_another_organizations_invitation_cannot_be_revoked(issuer, issuer_admin, other_offering):
    other = other_offering.security.issuer
    stranger = UserFactory(role=Role.ISSUER)
    MembershipFactory(user=stranger, organization=other.organization, role="admin")
    invitation = member_invite(issuer=other, email="x@fuji.test", role="member", actor=stranger)
    with pytest.raises(NotFoundError):
        invitation_revoke(issuer=issuer, pk=invitation.pk, actor=issuer_admin)
    assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.PENDING


def test_admin_promotes_a_member_but_not_demote_the_last_admin(issuer, issuer_admin, issuer_member):
    m = Membership.objects.get(user=issuer_member)
    assert member_role_set(membership=m, role="admin", actor=issuer_admin).role == "admin"
    member_role_set(membership=m, role="member", actor=issuer_admin)
    own = Membership.objects.get(user=issuer_admin)
    with pytest.raises(ConflictError) as err:
        member_role_set(membership=own, role="member", actor=issuer_admin)
    assert err.value.code == "last_admin"


def test_a_mail_server_that_is_down_does_not_turn_the_invitation_into_a_500(settings, issuer, issuer_admin,
                                                                            django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2  # nothing listens on port 1
    invitation = _invite(issuer, issuer_admin, "x@sakura.test", capture=django_capture_on_commit_callbacks)
    assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.PENDING
