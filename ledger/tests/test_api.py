"""The register's API: same services, {"error": {...}} bodies."""

from __future__ import annotations

from issuance.tests.factories import SecurityFactory
from ledger.models import TokenAction

from .conftest import wallet_of


def test_settle_then_read_cap_table_and_actions(api, issuer_admin, ready_subscription, investor_wallet):
    api.force_authenticate(issuer_admin)
    r = api.post("/api/ledger/settle/", {"subscriptions": [ready_subscription.pk]}, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()[0]["amount"] == "5" and r.json()[0]["chain_status"] == "pending"
    security = ready_subscription.offering.security_id
    table = api.get(f"/api/ledger/securities/{security}/cap-table/").json()
    assert table["control_book"]["outstanding"] == "5"
    assert table["results"][0]["wallets"] == [investor_wallet.address] and table["results"][0]["percent"] == "100.00"
    actions = api.get(f"/api/ledger/securities/{security}/actions/").json()
    assert len(actions["results"]) == 1 and actions["next"] is None
    assert api.get(f"/api/ledger/securities/{security}/actions/", {"kind": "redeem"}).json()["results"] == []


def test_settle_bad_input(api, issuer_admin):
    api.force_authenticate(issuer_admin)
    r = api.post("/api/ledger/settle/", {"subscriptions": "all"}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid"


def test_issue_transfer_and_refusal_codes(api, issuer_admin, bond, investor_wallet, second_investor):
    api.force_authenticate(issuer_admin)
    base = f"/api/ledger/securities/{bond.pk}"
    body = {"wallet": investor_wallet.address, "amount": "10"}
    r = api.post(f"{base}/issue/", body, format="json", HTTP_IDEMPOTENCY_KEY="api-1")
    assert r.status_code == 201, r.json()
    again = api.post(f"{base}/issue/", body, format="json", HTTP_IDEMPOTENCY_KEY="api-1")
    assert again.json()["id"] == r.json()["id"] and TokenAction.objects.count() == 1
    to = wallet_of(second_investor).address
    r = api.post(f"{base}/transfer/", {"from_wallet": investor_wallet.address, "to_wallet": to, "amount": "11"},
                 format="json")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "insufficient_free_balance"
    assert "insufficient_free_balance" in r.json()["error"]["fields"]["reasons"]
    r = api.post(f"{base}/pause/", {"reason": ""}, format="json")
    assert r.status_code == 400 and "reason" in r.json()["error"]["fields"]   # required by the schema


def test_other_issuers_security_is_404(api, issuer_admin):
    api.force_authenticate(issuer_admin)
    assert api.get(f"/api/ledger/securities/{SecurityFactory().pk}/cap-table/").status_code == 404


def test_investor_holdings_history_and_transfer(api, issuer_admin, bond, investor_wallet, verified_investor,
                                                second_investor):
    api.force_authenticate(issuer_admin)
    api.post(f"/api/ledger/securities/{bond.pk}/issue/", {"wallet": investor_wallet.address, "amount": "10"},
             format="json")
    api.force_authenticate(verified_investor)
    holdings = api.get("/api/ledger/holdings/").json()["results"]
    assert holdings[0]["balance"] == "10" and holdings[0]["transferable_now"] == "10"
    r = api.post(f"/api/ledger/holdings/{holdings[0]['id']}/transfer/",
                 {"to_wallet": wallet_of(second_investor).address, "amount": "3"}, format="json")
    assert r.status_code == 201, r.json()
    assert len(api.get("/api/ledger/history/").json()["results"]) == 2
    r = api.post(f"/api/ledger/holdings/{holdings[0]['id']}/transfer/", {"to_wallet": "nope", "amount": "3"},
                 format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid"
    assert "to_wallet" in r.json()["error"]["fields"]


def test_four_eyes_through_the_api(api, issuer_admin, bond, investor_wallet, compliance_officer, second_officer,
                                   second_investor):
    api.force_authenticate(issuer_admin)
    api.post(f"/api/ledger/securities/{bond.pk}/issue/", {"wallet": investor_wallet.address, "amount": "10"},
             format="json")
    api.force_authenticate(compliance_officer)
    body = {"kind": "forced_transfer", "security": bond.pk, "from_wallet": investor_wallet.address,
            "to_wallet": wallet_of(second_investor).address, "amount": "2"}
    r = api.post("/api/ledger/requests/", body, format="json")
    assert r.status_code == 400 and "reason" in r.json()["error"]["fields"]   # required by the schema
    r = api.post("/api/ledger/requests/", {**body, "reason": "court order"}, format="json")
    assert r.status_code == 201
    pk = r.json()["id"]
    assert api.post(f"/api/ledger/requests/{pk}/approve/").json()["error"]["code"] == "four_eyes"
    api.force_authenticate(second_officer)
    r = api.post(f"/api/ledger/requests/{pk}/approve/")
    assert r.status_code == 201 and r.json()["kind"] == "forced_transfer"
