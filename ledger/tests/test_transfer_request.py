"""An investor's transfer request, with the rule engine's "how much can I transfer now"."""

from __future__ import annotations

import datetime as dt

import pytest

from core.clock import business_today
from core.errors import ApplicationError, NotFoundError
from ledger.models import Position, TokenAction, TransferRequest
from ledger.selectors import register_positions, transferable_for
from ledger.services import tokens_freeze, tokens_issue, transfer_request_create

from .conftest import wallet_of


@pytest.fixture
def funded(bond, issuer_admin, investor_wallet):
    tokens_issue(security=bond, wallet=investor_wallet, amount=10, actor=issuer_admin, reason="")
    return investor_wallet.address


def test_precheck_says_how_much_and_why_not_more(bond, funded, compliance_officer):
    position = Position.objects.get(wallet=funded)
    assert transferable_for(position=position).amount == 10
    tokens_freeze(security=bond, wallet=funded, amount=3, reason="dispute", actor=compliance_officer)
    position.refresh_from_db()
    assert transferable_for(position=position).amount == 7
    bond.lockup_until = business_today() + dt.timedelta(days=10)
    bond.save()
    position = Position.objects.get(wallet=funded)
    can = transferable_for(position=position)
    assert can.amount == 0 and can.reasons[0][0] == "locked_up"


def test_investor_transfers_within_the_rules(bond, funded, verified_investor, second_investor):
    to = wallet_of(second_investor).address
    request = transfer_request_create(security=bond, from_wallet=funded, to_wallet=to, amount="6",
                                      actor=verified_investor)
    assert request.action.cause == f"request:{request.pk}" and request.action.outbox.kind == "token.transfer"
    assert register_positions(security=bond) == {funded: (4, 0), to: (6, 0)}


def test_above_the_free_balance_nothing_is_written(bond, funded, verified_investor, second_investor):
    with pytest.raises(ApplicationError) as refused:
        transfer_request_create(security=bond, from_wallet=funded, to_wallet=wallet_of(second_investor).address,
                                amount="11", actor=verified_investor)
    assert refused.value.code == "insufficient_free_balance"
    assert not TransferRequest.objects.exists() and TokenAction.objects.count() == 1


def test_an_investor_cannot_move_someone_elses_tokens(bond, funded, second_investor):
    with pytest.raises(NotFoundError):
        transfer_request_create(security=bond, from_wallet=funded, to_wallet=wallet_of(second_investor).address,
                                amount="1", actor=second_investor)
    assert TokenAction.objects.count() == 1
