"""The offering form's settlement mode: new offerings propose delivery versus payment in the
cash token; an edit keeps the mode unless it is changed; a value that is not a mode is refused."""

from __future__ import annotations

import json

from django.urls import reverse

from issuance.models import Offering

TERMS = {"title": "Green bond", "currency": "JPY", "price": "1000", "min_subscription": "1", "max_subscription": "5",
         "target": "5", "hard_cap": "10", "opens_on": "2027-05-01", "closes_on": "2027-06-01"}


def test_new_offering_proposes_dvp_and_records_the_choice(login_verified, issuer_admin, bond):
    client = login_verified(issuer_admin)
    page = client.get(reverse("issuance:offering-create", args=[bond.pk])).content.decode()
    assert '<option value="dvp" selected>' in page
    client.post(reverse("issuance:offering-create", args=[bond.pk]), {**TERMS, "settlement_mode": "dvp"})
    offering = Offering.objects.get(security=bond)
    assert offering.settlement_mode == "dvp"
    detail = client.get(reverse("issuance:offering", args=[offering.pk])).content.decode()
    assert "Delivery versus payment in the cash token" in detail


def test_edit_keeps_the_mode_when_left_out_and_refuses_a_wrong_one(login_verified, issuer_admin, draft_offering):
    draft_offering.settlement_mode = "dvp"
    draft_offering.save(update_fields=["settlement_mode"])
    client = login_verified(issuer_admin)
    url = reverse("issuance:offering-edit", args=[draft_offering.pk])
    assert client.post(url, TERMS).status_code == 302
    draft_offering.refresh_from_db()
    assert draft_offering.settlement_mode == "dvp"
    response = client.post(url, {**TERMS, "settlement_mode": "cheque"})
    assert response.status_code == 400 and 'class="errorlist"' in response.content.decode()
    client.post(url, {**TERMS, "settlement_mode": "manual"})
    draft_offering.refresh_from_db()
    assert draft_offering.settlement_mode == "manual"


def test_api_patch_sets_the_mode_and_refuses_a_wrong_one(login_verified, issuer_admin, draft_offering):
    client = login_verified(issuer_admin)
    url = f"/api/issuance/offerings/{draft_offering.pk}/"
    response = client.patch(url, json.dumps({"settlement_mode": "cheque"}), content_type="application/json")
    assert response.status_code == 400 and "settlement_mode" in response.json()["error"]["fields"]
    response = client.patch(url, json.dumps({"settlement_mode": "dvp"}), content_type="application/json")
    assert response.status_code == 200 and response.json()["settlement_mode"] == "dvp"
    assert Offering.objects.get(pk=draft_offering.pk).settlement_mode == "dvp"
