"""The token controls of the policy table reach the cash tokens for the cash agents (members
of the trust bank) and nothing else: a cash agent freezing a bond is a 404."""

from __future__ import annotations

import pytest

from core.errors import ApplicationError
from issuance.tests.factories import SecurityFactory
from ledger import services as ledger_services
from ledger.models import ControlBook, Position

from .conftest import deposit_minted

pytestmark = pytest.mark.django_db


def test_cash_agent_freezes_and_pauses_cash(jpy, cash_agent, second_cash_agent, verified_investor):
    deposit_minted(verified_investor, "900", cash_agent)
    position = Position.objects.get(security=jpy.security)
    ledger_services.tokens_freeze(security=jpy.security, wallet=position.wallet, amount=100, reason="court order",
                                  actor=cash_agent)
    ledger_services.security_pause(security=jpy.security, reason="incident", actor=cash_agent)
    position.refresh_from_db()
    assert int(position.frozen) == 100 and ControlBook.objects.get(security=jpy.security).paused
    with pytest.raises(ApplicationError) as exc:     # not a member of the trust bank yet: nobody there
        ledger_services.security_unpause(security=jpy.security, reason="over", actor=second_cash_agent)
    assert exc.value.status == 404


def test_cash_agent_may_not_mint_cash_outside_a_deposit(jpy, cash_agent, verified_investor):
    from investors.models import Wallet

    wallet = Wallet.objects.get(profile__user=verified_investor)
    with pytest.raises(ApplicationError) as exc:
        ledger_services.tokens_issue(security=jpy.security, wallet=wallet, amount=5, reason="r", actor=cash_agent)
    assert (exc.value.status, exc.value.code) == (403, "permission_denied")


def test_cash_agent_is_nobody_on_a_bond(cash_agent, issuer_admin):
    bond = SecurityFactory(created_by=issuer_admin)
    with pytest.raises(ApplicationError) as exc:
        ledger_services.security_pause(security=bond, reason="incident", actor=cash_agent)
    assert exc.value.status == 404
    assert not ControlBook.objects.filter(security=bond, paused=True).exists()


def test_forced_transfer_of_cash_by_two_cash_agents(jpy, cash_agent, second_cash_agent, verified_investor,
                                                     issuer_admin):
    from ledger.models import ComplianceRequest
    from ledger.tests.factories import approved_investor

    deposit_minted(verified_investor, "900", cash_agent)
    _other, [other_wallet] = approved_investor(email="heir@example.test")
    source = Position.objects.get(security=jpy.security).wallet
    request = ledger_services.forced_transfer_request(security=jpy.security, from_wallet=source,
                                                      to_wallet=other_wallet.address, amount=300,
                                                      reason="court order", actor=cash_agent)
    with pytest.raises(ApplicationError) as exc:        # four eyes
        ledger_services.compliance_request_approve(request=request, actor=cash_agent)
    assert exc.value.code == "four_eyes"
    ledger_services.compliance_request_approve(request=request, actor=second_cash_agent, reason="order checked")
    assert ComplianceRequest.objects.get(pk=request.pk).status == ComplianceRequest.Status.EXECUTED
    assert int(Position.objects.get(security=jpy.security, wallet=other_wallet.address).balance) == 300

    bond = SecurityFactory(created_by=issuer_admin)
    with pytest.raises(ApplicationError) as exc:        # not on a security
        ledger_services.forced_transfer_request(security=bond, from_wallet=source, to_wallet=other_wallet.address,
                                                amount=1, reason="court order", actor=cash_agent)
    assert (exc.value.status, exc.value.code) == (403, "compliance_required")
