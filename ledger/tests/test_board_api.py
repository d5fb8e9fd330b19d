"""The board and settlements over the API: eligible investors see a board, others get 404;
offer, pre-check, accept, sign the typed data the API gives, and the settlement goes to the
chain. Strict input: unknown keys and bad values are 400 with a code."""

from __future__ import annotations

from django.utils import timezone

from investors.tests.factories import VERIFIED_INVESTOR_KEY
from ledger.models import Settlement

from .dvp import BUYER_KEY, sign


def test_offer_precheck_accept_and_authorize(api, market, unverified_investor):
    m = market
    api.force_authenticate(m.seller)
    expires = (timezone.now() + timezone.timedelta(hours=1)).isoformat()
    body = {"wallet": m.seller_wallet.address, "units": "3", "unit_price": "1200", "expires_at": expires}
    assert api.post(f"/api/ledger/securities/{m.bond.pk}/board/", {**body, "buyer": "x"},
                    format="json").status_code == 400
    bad = api.post(f"/api/ledger/securities/{m.bond.pk}/board/", {**body, "units": "11"}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "insufficient_free_balance"
    created = api.post(f"/api/ledger/securities/{m.bond.pk}/board/", body, format="json")
    assert created.status_code == 201, created.json()
    offer = created.json()
    assert (offer["price"], offer["status"]) == ("3600", "offered")

    api.force_authenticate(unverified_investor)                   # not eligible: no board, no offer
    assert api.get(f"/api/ledger/securities/{m.bond.pk}/board/").status_code == 404
    assert api.get(f"/api/ledger/offers/{offer['id']}/").status_code == 404

    api.force_authenticate(m.buyer)
    board = api.get(f"/api/ledger/securities/{m.bond.pk}/board/").json()
    assert [o["id"] for o in board["results"]] == [offer["id"]]
    check = api.post(f"/api/ledger/offers/{offer['id']}/precheck/", {"wallet": m.buyer_wallet.address},
                     format="json").json()
    assert check == {"ok": True, "code": "success", "message": check["message"], "seller_transferable": "10",
                     "buyer_cash": "10000", "price": "3600"}
    accepted = api.post(f"/api/ledger/offers/{offer['id']}/accept/", {"wallet": m.buyer_wallet.address},
                        format="json")
    assert accepted.status_code == 201, accepted.json()
    settlement = accepted.json()
    assert settlement["awaiting"] == ["buyer", "seller"] and settlement["typed_data"]["primaryType"] == "Delivery"
    typed = settlement["typed_data"]
    url = f"/api/ledger/settlements/{settlement['id']}"
    assert api.post(f"{url}/authorize/", {"signature": "0xzz"}, format="json").json()["error"]["code"] == (
        "malformed_signature")
    r = api.post(f"{url}/authorize/", {"signature": sign(typed, BUYER_KEY)}, format="json")
    assert r.status_code == 200 and r.json()["awaiting"] == ["seller"]

    api.force_authenticate(unverified_investor)
    assert api.get(f"{url}/").status_code == 404

    api.force_authenticate(m.seller)
    r = api.post(f"{url}/authorize/", {"signature": sign(typed, VERIFIED_INVESTOR_KEY)}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    assert Settlement.objects.get(pk=settlement["id"]).outbox.kind == "settlement.dvp"
    cancel = api.post(f"/api/ledger/offers/{offer['id']}/cancel/", {}, format="json")
    assert cancel.status_code == 409 and cancel.json()["error"]["code"] == "not_cancellable"
    assert [o["status"] for o in api.get("/api/ledger/offers/").json()["results"]] == ["submitted"]
    assert [s["id"] for s in api.get("/api/ledger/settlements/").json()["results"]] == [settlement["id"]]
    assert api.get("/api/ledger/settlements/", {"status": "settled"}).json()["results"] == []
    assert api.get("/api/ledger/offers/", {"status": "bogus"}).json()["error"]["code"] == "invalid_filter"
    api.force_authenticate(unverified_investor)
    assert api.get("/api/ledger/settlements/").json()["results"] == []
