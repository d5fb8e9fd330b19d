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
