"""Redemption, freezes and pauses."""

from __future__ import annotations

import pytest

from core.errors import ApplicationError
from ledger.invariants import check_invariants
from ledger.models import TokenAction
from ledger.selectors import control_book_for, register_positions
from ledger.services import (
    security_pause,
    security_unpause,
    tokens_freeze,
    tokens_issue,
    tokens_redeem,
    tokens_unfreeze,
    wallet_freeze,
    wallet_unfreeze,
)


@pytest.fixture
def funded(bond, issuer_admin, investor_wallet):
    tokens_issue(security=bond, wallet=investor_wallet, amount=10, actor=issuer_admin, reason="")
    return investor_wallet.address


def test_redeem_burns_and_books_it(bond, issuer_admin, funded):
    action = tokens_redeem(security=bond, wallet=funded, amount=4, actor=issuer_admin, reason="early redemption")
    assert action.outbox.kind == "token.burn" and action.outbox.payload["amount"] == "4"
    book = control_book_for(security=bond)
    assert (book.issued, book.redeemed, book.outstanding) == (10, 4, 6)
    assert register_positions(security=bond) == {funded: (6, 0)}
    assert check_invariants() == []


def test_redeeming_more_than_the_balance_is_refused(bond, issuer_admin, funded):
    with pytest.raises(ApplicationError) as refused:
        tokens_redeem(security=bond, wallet=funded, amount=11, actor=issuer_admin)
    assert refused.value.code == "insufficient_balance"
    assert TokenAction.objects.count() == 1


def test_partial_freeze_and_unfreeze(bond, compliance_officer, funded):
    freeze = tokens_freeze(security=bond, wallet=funded, amount=4, reason="dispute", actor=compliance_officer)
    assert freeze.outbox.kind == "token.freeze_tokens"
    assert register_positions(security=bond) == {funded: (10, 4)}
    with pytest.raises(ApplicationError) as refused:
        tokens_freeze(security=bond, wallet=funded, amount=7, reason="more", actor=compliance_officer)
    assert refused.value.code == "insufficient_free_balance"
    tokens_unfreeze(security=bond, wallet=funded, amount=4, reason="resolved", actor=compliance_officer)
    assert register_positions(security=bond) == {funded: (10, 0)}
    with pytest.raises(ApplicationError) as refused:
        tokens_unfreeze(security=bond, wallet=funded, amount=1, reason="again", actor=compliance_officer)
    assert refused.value.code == "insufficient_frozen_balance"


def test_freeze_needs_a_reason(bond, compliance_officer, funded):
    with pytest.raises(ApplicationError) as refused:
        tokens_freeze(security=bond, wallet=funded, amount=1, reason="", actor=compliance_officer)
    assert refused.value.code == "reason_required"


def test_wallet_freeze_round_trip(bond, issuer_admin, funded):
    action = wallet_freeze(security=bond, wallet=funded, reason="suspicious", actor=issuer_admin)
    assert action.outbox.kind == "token.freeze_wallet" and action.outbox.payload["frozen"] is True
    with pytest.raises(ApplicationError) as refused:
        wallet_freeze(security=bond, wallet=funded, reason="again", actor=issuer_admin)
    assert refused.value.code == "unchanged"
    off = wallet_unfreeze(security=bond, wallet=funded, reason="cleared", actor=issuer_admin)
    assert off.outbox.payload["frozen"] is False


def test_pause_stops_issuance_and_unpause_resumes(bond, issuer_admin, investor_wallet):
    action = security_pause(security=bond, reason="corporate action", actor=issuer_admin)
    assert action.outbox.kind == "token.pause" and action.outbox.payload == {"security_id": bond.pk}
    with pytest.raises(ApplicationError) as refused:
        tokens_issue(security=bond, wallet=investor_wallet, amount=1, actor=issuer_admin, reason="")
    assert refused.value.code == "paused"
    security_unpause(security=bond, reason="done", actor=issuer_admin)
    tokens_issue(security=bond, wallet=investor_wallet, amount=1, actor=issuer_admin, reason="")
    assert check_invariants() == []


def test_an_issuer_member_cannot_pause(bond, issuer_member):
    with pytest.raises(ApplicationError) as refused:
        security_pause(security=bond, reason="x", actor=issuer_member)
    assert refused.value.code == "admin_required"
