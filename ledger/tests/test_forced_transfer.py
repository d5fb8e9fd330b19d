"""Forced transfers and wallet recoveries: compliance role, reason required, four eyes."""

from __future__ import annotations

import pytest

from core.errors import ApplicationError, PermissionDeniedError
from investors.tests.factories import WalletFactory
from ledger.invariants import check_invariants
from ledger.models import ComplianceRequest, TokenAction
from ledger.selectors import register_positions
from ledger.services import (
    compliance_request_approve,
    compliance_request_reject,
    forced_transfer_request,
    tokens_freeze,
    tokens_issue,
    wallet_freeze,
    wallet_recovery_request,
)

from .conftest import wallet_of


@pytest.fixture
def funded(bond, issuer_admin, investor_wallet):
    tokens_issue(security=bond, wallet=investor_wallet, amount=10, actor=issuer_admin, reason="")
    return investor_wallet.address


def test_a_second_officer_approves_and_the_forced_transfer_runs(bond, funded, compliance_officer, second_officer,
                                                                second_investor):
    to = wallet_of(second_investor).address
    tokens_freeze(security=bond, wallet=funded, amount=8, reason="court order pending", actor=compliance_officer)
    wallet_freeze(security=bond, wallet=funded, reason="court order", actor=compliance_officer)
    request = forced_transfer_request(security=bond, from_wallet=funded, to_wallet=to, amount=9,
                                      reason="Court order 2026-123", actor=compliance_officer)
    assert not TokenAction.objects.filter(kind="forced_transfer").exists()
    action = compliance_request_approve(request=request, actor=second_officer)
    assert action.kind == TokenAction.Kind.FORCED_TRANSFER and action.reason == "Court order 2026-123"
    assert action.outbox.kind == "token.forced_transfer"
    assert register_positions(security=bond) == {funded: (1, 1), to: (9, 0)}  # frozen tokens eaten as needed
    request.refresh_from_db()
    assert request.status == ComplianceRequest.Status.EXECUTED and request.decided_by == second_officer
    assert check_invariants() == []


def test_the_requesting_officer_cannot_approve_their_own_request(bond, funded, compliance_officer, second_investor):
    request = forced_transfer_request(security=bond, from_wallet=funded, to_wallet=wallet_of(second_investor).address,
                                      amount=1, reason="order", actor=compliance_officer)
    with pytest.raises(PermissionDeniedError) as refused:
        compliance_request_approve(request=request, actor=compliance_officer)
    assert refused.value.code == "four_eyes"
    assert not TokenAction.objects.filter(kind="forced_transfer").exists()


def test_a_forced_transfer_without_a_reason_is_refused(bond, funded, compliance_officer, second_investor):
    with pytest.raises(ApplicationError) as refused:
        forced_transfer_request(security=bond, from_wallet=funded, to_wallet=wallet_of(second_investor).address,
                                amount=1, reason="  ", actor=compliance_officer)
    assert refused.value.code == "reason_required"
    assert not ComplianceRequest.objects.exists()


def test_only_compliance_may_ask(bond, funded, issuer_admin, second_investor):
    with pytest.raises(PermissionDeniedError):
        forced_transfer_request(security=bond, from_wallet=funded, to_wallet=wallet_of(second_investor).address,
                                amount=1, reason="order", actor=issuer_admin)
    assert not ComplianceRequest.objects.exists()


def test_a_rejected_request_moves_nothing(bond, funded, compliance_officer, second_officer, second_investor):
    request = forced_transfer_request(security=bond, from_wallet=funded, to_wallet=wallet_of(second_investor).address,
                                      amount=1, reason="order", actor=compliance_officer)
    compliance_request_reject(request=request, reason="no order on file", actor=second_officer)
    with pytest.raises(ApplicationError) as refused:
        compliance_request_approve(request=request, actor=second_officer)
    assert refused.value.code == "already_decided"
    assert register_positions(security=bond) == {funded: (10, 0)}


def test_recovery_moves_the_whole_position_and_its_freeze_to_the_investors_new_wallet(
        bond, funded, compliance_officer, second_officer, verified_investor):
    new = WalletFactory(profile=verified_investor.investor_profile).address
    tokens_freeze(security=bond, wallet=funded, amount=3, reason="dispute", actor=compliance_officer)
    request = wallet_recovery_request(security=bond, lost_wallet=funded, new_wallet=new, reason="lost device",
                                      actor=compliance_officer)
    action = compliance_request_approve(request=request, actor=second_officer)
    assert action.outbox.kind == "token.recover_wallet"
    assert action.outbox.payload == {"security_id": bond.pk, "lost_wallet": funded, "new_wallet": new}
    assert register_positions(security=bond) == {funded: (0, 0), new: (10, 3)}
    assert check_invariants() == []


def test_recovery_to_another_investors_wallet_is_refused(bond, funded, compliance_officer, second_investor):
    with pytest.raises(ApplicationError) as refused:
        wallet_recovery_request(security=bond, lost_wallet=funded, new_wallet=wallet_of(second_investor).address,
                                reason="lost", actor=compliance_officer)
    assert refused.value.code == "recovery_other_investor"
