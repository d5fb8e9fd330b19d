"""An offering is advertised on the public home page only when its issuer ticks "Advertise on
the public home page" (off by default; the help says private placements must not be
advertised); the API takes and shows the same flag and refuses what is not a boolean."""

from __future__ import annotations

import datetime as dt
import json

from django.urls import reverse

from core.clock import business_today
from issuance.models import Offering


def terms() -> dict:
    today = business_today()
    return {"title": "Green bond", "currency": "JPY", "price": "1000", "min_subscription": "1",
            "max_subscription": "5", "target": "5", "hard_cap": "10", "opens_on": today.isoformat(),
            "closes_on": (today + dt.timedelta(days=30)).isoformat()}


def test_the_form_offers_the_checkbox_off_and_warns_about_private_placements(login_verified, issuer_admin, bond):
    client = login_verified(issuer_admin)
    page = client.get(reverse("issuance:offering-create", args=[bond.pk])).content.decode()

    assert 'name="is_public"' in page and "Advertise on the public home page" in page
    assert 'name="is_public" checked' not in page and 'id="id_is_public" checked' not in page
    assert "Reg D 506(b)" in page   # the help text is shown next to the box

    client.post(reverse("issuance:offering-create", args=[bond.pk]), terms())
    assert Offering.objects.get(security=bond).is_public is False


def test_ticking_it_advertises_the_offering_and_an_edit_can_take_it_back(login_verified, issuer_admin, bond):
    client = login_verified(issuer_admin)
    client.post(reverse("issuance:offering-create", args=[bond.pk]), {**terms(), "is_public": "on"})
    offering = Offering.objects.get(security=bond)
    assert offering.is_public is True

    assert client.post(reverse("issuance:offering-edit", args=[offering.pk]), terms()).status_code == 302
    offering.refresh_from_db()
    assert offering.is_public is False


def test_the_api_takes_the_flag_keeps_it_on_a_partial_patch_and_refuses_a_non_boolean(
        login_verified, issuer_admin, draft_offering):
    client = login_verified(issuer_admin)
    url = f"/api/issuance/offerings/{draft_offering.pk}/"

    response = client.patch(url, json.dumps({"is_public": True}), content_type="application/json")
    assert response.status_code == 200 and response.json()["is_public"] is True
    response = client.patch(url, json.dumps({"title": "Renamed"}), content_type="application/json")
    assert response.json()["is_public"] is True
    bad = client.patch(url, json.dumps({"is_public": "perhaps"}), content_type="application/json")
    assert bad.status_code == 400 and "is_public" in bad.json()["error"]["fields"]
    draft_offering.refresh_from_db()
    assert draft_offering.is_public is True and draft_offering.title == "Renamed"
