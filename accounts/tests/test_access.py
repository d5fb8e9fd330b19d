"""accounts.access: the predicates, the one refusal helper and the 404/403 rule as the
policy table derives it (tests/security/test_access_rule.py shows it app by app)."""

from __future__ import annotations

import pytest

from accounts.access import (
    access_deny,
    desk_ensure,
    investor_self_ensure,
    is_staff_reader,
    member_role,
    sees_investor,
    sees_organization,
)
from accounts.policy import NOT_FOUND, POLICY, Action, Actor, Refusal, Rule, Scope, policy_problems
from accounts.tests.factories import OrganizationFactory
from core.errors import NotFoundError, PermissionDeniedError
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_who_sees_an_organization(issuer_org, issuer_admin, issuer_member, compliance_officer, operator, outsider):
    other = OrganizationFactory()
    assert member_role(issuer_admin, issuer_org.pk) == "admin" and member_role(issuer_member, issuer_org.pk) == "member"
    assert member_role(issuer_admin, other.pk) is None
    assert sees_organization(issuer_member, issuer_org.pk) and not sees_organization(issuer_member, other.pk)
    assert sees_organization(compliance_officer, other.pk) and sees_organization(operator, other.pk)
    assert not sees_organization(outsider, issuer_org.pk)
    assert is_staff_reader(operator) and not is_staff_reader(issuer_admin)


def test_who_sees_an_investors_own_data(unverified_investor, outsider, compliance_officer, operator):
    assert sees_investor(unverified_investor, unverified_investor.pk)
    assert sees_investor(compliance_officer, unverified_investor.pk)
    assert not sees_investor(outsider, unverified_investor.pk) and not sees_investor(operator, unverified_investor.pk)


def test_access_deny_records_the_attempt_and_raises_the_refusal(outsider):
    with pytest.raises(NotFoundError) as refused:
        access_deny(outsider, object_type="x.thing", object_id=7, message="No such thing.")
    assert (refused.value.status, refused.value.code, refused.value.message) == (404, "not_found", "No such thing.")
    event = AuditEvent.objects.get(action="access_denied", actor=outsider)
    assert (event.object_type, event.object_id) == ("x.thing", "7")


def test_a_desk_is_403_for_the_roles_that_lack_it_and_open_to_its_actors(issuer_admin, compliance_officer):
    desk_ensure(compliance_officer, Action.KYC_DECIDE, object_type="compliance.kycreview")
    with pytest.raises(PermissionDeniedError) as refused:
        desk_ensure(issuer_admin, Action.KYC_DECIDE, object_type="compliance.kycreview", object_id=3)
    assert (refused.value.status, refused.value.code) == (403, "compliance_required")
    assert AuditEvent.objects.filter(action="access_denied", actor=issuer_admin, object_id="3").exists()
    with pytest.raises(ValueError):
        desk_ensure(compliance_officer, Action.TOKENS_ISSUE, object_type="x")   # not a desk's action


def test_an_investors_own_steps(unverified_investor, outsider, compliance_officer):
    investor_self_ensure(unverified_investor, user=unverified_investor)
    with pytest.raises(NotFoundError):
        investor_self_ensure(outsider, user=unverified_investor)       # another person's data
    with pytest.raises(PermissionDeniedError) as refused:
        investor_self_ensure(compliance_officer)                       # a page their role lacks
    assert refused.value.code == "not_an_investor"


def test_the_table_refuses_by_the_rule():
    issue = POLICY[Action.TOKENS_ISSUE]
    assert issue.refusal_for(None) == NOT_FOUND and issue.refusal_for(Actor.INVESTOR) == NOT_FOUND
    assert issue.refusal_for(Actor.ISSUER_MEMBER).status == 403
    assert issue.refusal_for(Actor.COMPLIANCE).status == issue.refusal_for(Actor.OPERATOR).status == 403
    assert all(rule.refusal.status == 403 for rule in POLICY.values() if rule.scope == Scope.PLATFORM)


def test_a_desk_answering_404_is_reported(monkeypatch):
    hidden = Rule(frozenset({Actor.COMPLIANCE}), Scope.PLATFORM, True, ("x.y",), Refusal(404, "not_found", "x"))
    monkeypatch.setitem(POLICY, Action.KYC_DECIDE, hidden)
    assert policy_problems() == ["kyc.decide: a desk refuses the roles that lack it with 403 (accounts.access)"]
