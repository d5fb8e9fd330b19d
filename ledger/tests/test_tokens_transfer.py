"""Issuer-initiated transfers and their refusals (nothing written on a refusal)."""

from __future__ import annotations

import datetime as dt

import pytest

from core.clock import business_date_shift, business_today
from core.errors import ApplicationError
from core.models import OutboxEntry
from investors.models import InvestorProfile
from ledger.invariants import check_invariants
from ledger.models import Position, TokenAction
from ledger.selectors import register_positions
from ledger.services import security_pause, tokens_issue, tokens_transfer

from .conftest import wallet_of
from .factories import approved_investor


@pytest.fixture
def funded(bond, issuer_admin, investor_wallet):
    tokens_issue(security=bond, wallet=investor_wallet, amount=10, actor=issuer_admin, reason="")
    return investor_wallet.address


def _snapshot():
    return (TokenAction.objects.count(), OutboxEntry.objects.count(),
            list(Position.objects.values_list("wallet", "balance", "frozen").order_by("wallet")))


def _refused(code, **kwargs):
    before = _snapshot()
    with pytest.raises(ApplicationError) as refused:
        tokens_transfer(**kwargs)
    assert refused.value.code == code
    assert _snapshot() == before
    return refused.value


def test_transfer_moves_tokens_and_queues_the_chain_transfer(bond, issuer_admin, funded, second_investor):
    to = wallet_of(second_investor).address
    action = tokens_transfer(security=bond, from_wallet=funded, to_wallet=to, amount="4", actor=issuer_admin)
    assert register_positions(security=bond) == {funded: (6, 0), to: (4, 0)}
    assert action.outbox.kind == "token.transfer"
    assert action.outbox.payload == {"security_id": bond.pk, "from_wallet": funded, "to_wallet": to, "amount": "4"}
    assert check_invariants() == []


def test_above_the_free_balance(bond, issuer_admin, funded, second_investor):
    _refused("insufficient_free_balance", security=bond, from_wallet=funded,
             to_wallet=wallet_of(second_investor).address, amount=11, actor=issuer_admin)


def test_to_an_ineligible_investor(bond, issuer_admin, funded):
    user, (wallet,) = approved_investor()
    InvestorProfile.objects.filter(user=user).update(kyc_status=InvestorProfile.KycStatus.REJECTED)
    _refused("kyc_not_approved", security=bond, from_wallet=funded, to_wallet=wallet.address, amount=1,
             actor=issuer_admin)


def test_to_a_wallet_not_in_the_register(bond, issuer_admin, funded):
    _refused("to_not_registered", security=bond, from_wallet=funded, to_wallet="0x" + "12" * 20, amount=1,
             actor=issuer_admin)


def test_during_a_lockup(bond, issuer_admin, funded, second_investor):
    bond.lockup_until = business_today() + dt.timedelta(days=30)
    bond.save()
    error = _refused("locked_up", security=bond, from_wallet=funded, to_wallet=wallet_of(second_investor).address,
                     amount=1, actor=issuer_admin)
    assert "lock-up" in error.message


def test_a_lockup_ends_on_the_business_date(bond, issuer_admin, funded, second_investor, operator):
    bond.lockup_until = business_today() + dt.timedelta(days=30)
    bond.save()
    to = wallet_of(second_investor).address
    business_date_shift(days=29, actor=operator)
    _refused("locked_up", security=bond, from_wallet=funded, to_wallet=to, amount=1, actor=issuer_admin)
    business_date_shift(days=1, actor=operator)
    tokens_transfer(security=bond, from_wallet=funded, to_wallet=to, amount="1", actor=issuer_admin)
    assert register_positions(security=bond) == {funded: (9, 0), to: (1, 0)}


def test_of_a_paused_token(bond, issuer_admin, funded, second_investor):
    security_pause(security=bond, reason="corporate action", actor=issuer_admin)
    _refused("paused", security=bond, from_wallet=funded, to_wallet=wallet_of(second_investor).address, amount=1,
             actor=issuer_admin)


def test_a_duplicated_idempotency_key_for_another_transfer(bond, issuer_admin, funded, second_investor):
    to = wallet_of(second_investor).address
    tokens_transfer(security=bond, from_wallet=funded, to_wallet=to, amount=1, actor=issuer_admin,
                    idempotency_key="t-1")
    _refused("idempotency_conflict", security=bond, from_wallet=funded, to_wallet=to, amount=2, actor=issuer_admin,
             idempotency_key="t-1")


def test_a_member_who_is_not_admin_may_not_transfer(bond, issuer_member, funded, second_investor):
    _refused("admin_required", security=bond, from_wallet=funded, to_wallet=wallet_of(second_investor).address,
             amount=1, actor=issuer_member)


def test_a_bad_address(bond, issuer_admin, funded):
    _refused("invalid_wallet", security=bond, from_wallet=funded, to_wallet="0x123", amount=1, actor=issuer_admin)
