"""The cash API: an investor's deposit and withdrawal, the cash agent's receipt, and the
refusals (someone else's deposit is a 404, a sub-unit amount a 400)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from cash.models import CashDeposit
from core.clock import business_today

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def verified_session(login_verified):
    """A session that passed 2FA (staff must have), as the API's permission asks."""
    def sign_in(user):
        return login_verified(user)
    return sign_in


def test_deposit_receipt_balance_withdraw(jpy, verified_investor, cash_agent, outsider, verified_session):
    investor = _client(verified_investor)
    response = investor.post("/api/cash/deposits/", {"currency": "JPY", "amount": "2500"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("DEP-") and body["bank_account"] == jpy.bank_account
    assert investor.post("/api/cash/deposits/", {"currency": "JPY", "amount": "2.5"},
                         format="json").json()["error"]["code"] == "invalid_amount"
    assert _client(outsider).get(f"/api/cash/deposits/{body['id']}/").status_code == 404

    agent = verified_session(cash_agent)
    response = agent.post(f"/api/cash/deposits/{body['id']}/receipt/",
                          {"amount": "2500", "bank_reference": "B-7", "value_date": business_today().isoformat()},
                          content_type="application/json")
    assert response.status_code == 200, response.content
    assert CashDeposit.objects.get().status == CashDeposit.Status.MINTED
    assert agent.get("/api/cash/trust/").json()["results"][0]["in_balance"] is True

    [balance] = investor.get("/api/cash/balances/").json()["results"]
    assert (balance["currency"], balance["balance"], balance["free"]) == ("JPY", "2500", "2500")
    response = investor.post("/api/cash/withdrawals/", {"currency": "JPY", "amount": "2501", "payout_details": "x"},
                             format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "insufficient_cash")
    response = investor.post("/api/cash/withdrawals/", {"currency": "JPY", "amount": "500", "payout_details": "x"},
                             format="json")
    assert response.status_code == 201 and response.json()["status"] == "burned"
    assert response.json()["amount"] == "500"


def test_investors_may_not_record_receipts(jpy, verified_investor):
    investor = _client(verified_investor)
    deposit = investor.post("/api/cash/deposits/", {"currency": "JPY", "amount": "5"}, format="json").json()
    response = investor.post(f"/api/cash/deposits/{deposit['id']}/receipt/",
                             {"amount": "5", "bank_reference": "B", "value_date": business_today().isoformat()},
                             format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "cash_agent_required")
