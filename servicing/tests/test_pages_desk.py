"""The staff desk of the paying agent: compliance officers and cash agents approve (four eyes:
never the action's creator) or cancel with a reason; operators see the blocked actions and
those the paying account could not cover; other roles get 403 before any action is read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.audit import AuditEvent
from core.clock import business_today
from servicing.models import CorporateAction

from .pages import action_make, lines_make, signed_in

pytestmark = pytest.mark.django_db
DESK = "servicing:desk"


def _desk(client):
    return client.get(reverse(DESK))


@pytest.mark.parametrize("persona", ["issuer_admin", "issuer_member", "verified_investor"])
def test_the_desk_refuses_other_roles_with_403(request, persona):
    user = request.getfixturevalue(persona)
    client = signed_in(user)
    assert _desk(client).status_code == 403
    assert client.post(reverse(DESK), {"step": "approve", "action": "1"}).status_code == 403
    assert AuditEvent.objects.filter(action="access_denied", actor=user).count() == 2


def test_officer_sees_the_actions_awaiting_approval_with_totals(bond_held, holders, issuer_admin,
                                                                compliance_officer):
    action = action_make(bond_held, created_by=issuer_admin)
    lines_make(action, [(holders.jp, holders.jp_wallet, 10), (holders.us, holders.us_wallet, 30)])
    page = _desk(signed_in(compliance_officer)).content.decode()
    assert page.count('data-testid="approve-row"') == 1
    assert str(action.net_total) in page and str(action.gross_total) in page
    assert reverse("servicing:action", args=[action.pk]) in page
    assert 'name="step" value="approve"' in page


def test_officer_approves(bond_held, issuer_admin, compliance_officer):
    action = action_make(bond_held, created_by=issuer_admin)
    response = signed_in(compliance_officer).post(reverse(DESK), {"step": "approve", "action": str(action.pk)},
                                                  follow=True)
    assert "flash-success" in response.content.decode()
    action.refresh_from_db()
    assert action.approved_by == compliance_officer and action.approved_at is not None


def test_cash_agent_approves(bond_held, issuer_admin, cash_agent):
    action = action_make(bond_held, created_by=issuer_admin)
    signed_in(cash_agent).post(reverse(DESK), {"step": "approve", "action": str(action.pk)})
    action.refresh_from_db()
    assert action.approved_by == cash_agent


def test_the_creator_cannot_approve_and_the_page_says_why(bond_held, compliance_officer):
    action = action_make(bond_held, created_by=compliance_officer)
    response = signed_in(compliance_officer).post(reverse(DESK), {"step": "approve", "action": str(action.pk)},
                                                  follow=True)
    assert response.status_code == 200
    assert "flash-error" in response.content.decode()
    action.refresh_from_db()
    assert action.approved_by is None


def test_operator_sees_blocked_and_short_actions_but_no_buttons(bond_held, operator):
    action_make(bond_held, sequence=1, status=CorporateAction.Status.BLOCKED,
                blocked_reason="register and chain differ at block 42")
    action_make(bond_held, sequence=2, funds_short_on=business_today())
    page = _desk(signed_in(operator)).content.decode()
    assert page.count('data-testid="blocked-row"') == 1 and "block 42" in page
    assert page.count('data-testid="short-row"') == 1
    assert 'name="step" value="approve"' not in page


def test_cancel_needs_a_reason(bond_held, issuer_admin, operator):
    action = action_make(bond_held, created_by=issuer_admin)
    client = signed_in(operator)
    for reason in ("", "  ", "x" * 501):
        response = client.post(reverse(DESK), {"step": "cancel", "action": str(action.pk), "reason": reason},
                               follow=True)
        assert "flash-error" in response.content.decode()
    action.refresh_from_db()
    assert action.status == CorporateAction.Status.SCHEDULED


def test_operator_cancels_with_a_reason(bond_held, issuer_admin, operator):
    action = action_make(bond_held, created_by=issuer_admin)
    signed_in(operator).post(reverse(DESK), {"step": "cancel", "action": str(action.pk), "reason": "Declared twice"})
    action.refresh_from_db()
    assert action.status == CorporateAction.Status.CANCELLED


def test_an_officer_may_approve_but_not_cancel(bond_held, issuer_admin, compliance_officer):
    action = action_make(bond_held, created_by=issuer_admin)
    client = signed_in(compliance_officer)
    assert 'name="step" value="cancel"' not in _desk(client).content.decode()
    response = client.post(reverse(DESK), {"step": "cancel", "action": str(action.pk), "reason": "No"}, follow=True)
    assert "flash-error" in response.content.decode()
    action.refresh_from_db()
    assert action.status == CorporateAction.Status.SCHEDULED


@pytest.mark.parametrize("value", ["abc", "", str(10**30), "1.5", "\x00"])
def test_a_bad_action_id_is_a_404(compliance_officer, value):
    response = signed_in(compliance_officer).post(reverse(DESK), {"step": "approve", "action": value})
    assert response.status_code == 404
