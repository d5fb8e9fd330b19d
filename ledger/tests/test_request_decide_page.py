"""The compliance desk's decision page: approve or reject a pending request; any other
decision in the path is a 400 page that changes nothing (it was taken as a rejection)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ledger.models import ComplianceRequest, TokenAction
from ledger.services import forced_transfer_request, tokens_issue

from .conftest import wallet_of


@pytest.fixture
def pending(bond, issuer_admin, investor_wallet, compliance_officer, second_investor):
    tokens_issue(security=bond, wallet=investor_wallet, amount=10, actor=issuer_admin, reason="")
    return forced_transfer_request(security=bond, from_wallet=investor_wallet.address,
                                   to_wallet=wallet_of(second_investor).address, amount=4,
                                   reason="Court order 2026-7", actor=compliance_officer)


@pytest.mark.parametrize("decision", ["maybe", "Reject", "rejected", "approve "])
def test_an_unknown_decision_is_a_400_and_the_request_stays_pending(client, login_verified, second_officer, pending,
                                                                    decision):
    login_verified(second_officer)
    response = client.post(reverse("ledger:request-decide", args=[pending.pk, decision]), {"reason": "no"})
    assert response.status_code == 400
    assert "approve or reject" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == ComplianceRequest.Status.PENDING and pending.decided_by is None
    assert not TokenAction.objects.filter(kind=TokenAction.Kind.FORCED_TRANSFER).exists()


def test_reject_with_a_reason_rejects(client, login_verified, second_officer, pending):
    login_verified(second_officer)
    response = client.post(reverse("ledger:request-decide", args=[pending.pk, "reject"]), {"reason": "no order"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == ComplianceRequest.Status.REJECTED and pending.decided_by == second_officer


def test_approve_carries_the_request_out(client, login_verified, second_officer, pending):
    login_verified(second_officer)
    response = client.post(reverse("ledger:request-decide", args=[pending.pk, "approve"]), {"reason": ""})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == ComplianceRequest.Status.EXECUTED
    assert TokenAction.objects.filter(kind=TokenAction.Kind.FORCED_TRANSFER, amount=4).count() == 1
