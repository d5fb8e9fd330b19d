"""PATCH /api/issuance/offerings/<id>/ edits a draft through offering_update: partial bodies,
{"error": {...}} bodies with field errors, 409 once published, 403/404 like the other writes."""

import datetime as dt
import json
from decimal import Decimal

import pytest

from core.models import AuditEvent
from issuance.models import Offering

from .factories import OfferingFactory


def _url(offering) -> str:
    return f"/api/issuance/offerings/{offering.pk}/"


def _patch(client, offering, body):
    return client.patch(_url(offering), json.dumps(body), content_type="application/json")


def _unchanged(offering) -> bool:
    fresh = Offering.objects.get(pk=offering.pk)
    return ((fresh.title, fresh.price, fresh.hard_cap, fresh.status)
            == (offering.title, offering.price, offering.hard_cap, offering.status))


def test_admin_patches_a_draft_and_gets_the_offering_back(login_verified, issuer_admin, draft_offering):
    client = login_verified(issuer_admin)
    # differs from the factory's, whatever today is
    new_close = (draft_offering.closes_on + dt.timedelta(days=7)).isoformat()
    r = _patch(client, draft_offering, {"price": "95000", "hard_cap": "120", "closes_on": new_close})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body == {**client.get(_url(draft_offering)).json(), "price": "95000", "hard_cap": "120"}
    assert body["title"] == "Draft bond offering" and body["target"] == "80" and len(body["documents"]) == 2
    assert Offering.objects.get(pk=draft_offering.pk).closes_on.isoformat() == new_close
    event = AuditEvent.objects.get(action="offering.updated", object_id=str(draft_offering.pk))
    assert event.actor == issuer_admin and set(event.new_values) == {"price", "hard_cap", "closes_on"}


@pytest.mark.parametrize(("body", "code", "field"), [
    ({"min_subscription": "60"}, "min_above_max", "min_subscription"),
    ({"closes_on": "2020-01-01"}, "closes_before_opens", "closes_on"),
    ({"price": "-1"}, "price_not_positive", "price"),
    ({"price": "100.5"}, "invalid_price", "price"),
    ({"hard_cap": "1.5"}, "invalid_amount", "hard_cap"),
    ({"currency": "EUR"}, "invalid", "currency"),
    ({"opens_on": "soon"}, "invalid", "opens_on"),
    ({"title": ""}, "invalid", "title"),
    ({"title": "t" * 201}, "invalid", "title"),
    ({"price": None}, "invalid", "price"),
    ({"status": "published"}, "invalid", "status"),
    ({"security": 1, "title": "Renamed"}, "invalid", "security"),
])
def test_bad_input_is_400_with_field_errors_and_changes_nothing(login_verified, issuer_admin, draft_offering, body,
                                                                code, field):
    r = _patch(login_verified(issuer_admin), draft_offering, body)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == code and field in error["fields"] and error["message"]
    assert _unchanged(draft_offering) and not AuditEvent.objects.filter(action="offering.updated").exists()


def test_a_body_that_is_not_an_object_is_400(login_verified, issuer_admin, draft_offering):
    r = _patch(login_verified(issuer_admin), draft_offering, ["price", "1"])
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("status", ["published", "closed", "cancelled"])
def test_a_non_draft_is_409(login_verified, issuer_admin, bond, status):
    offering = OfferingFactory(security=bond, status=status)
    r = _patch(login_verified(issuer_admin), offering, {"price": "not even a number"})  # refused before parsing
    assert r.status_code == 409 and r.json()["error"]["code"] == "offering_not_draft"
    assert _unchanged(offering)


def test_plain_member_is_403(client, issuer_member, draft_offering):
    client.force_login(issuer_member)
    r = _patch(client, draft_offering, {"price": "1"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "admin_required"
    assert _unchanged(draft_offering)


def test_another_issuers_admin_and_an_outsider_get_404(client, login_verified, issuer_admin, outsider):
    theirs = OfferingFactory(status="draft", title="Fuji Foods draft")
    r = _patch(login_verified(issuer_admin), theirs, {"price": "1"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    client.logout()
    client.force_login(outsider)
    assert _patch(client, theirs, {"price": "1"}).status_code == 404
    assert _unchanged(theirs) and theirs.price == Decimal("100000")
    assert AuditEvent.objects.filter(action="access_denied", object_id=str(theirs.pk)).count() == 2


def test_admin_without_a_2fa_session_is_refused(client, issuer_admin, draft_offering):
    client.force_login(issuer_admin)
    r = _patch(client, draft_offering, {"price": "1"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "two_factor_required"
    assert _unchanged(draft_offering)


def test_the_patch_is_in_the_openapi_schema(client, db):
    schema = json.loads(client.get("/api/schema/", HTTP_ACCEPT="application/json").content)
    operation = schema["paths"]["/api/issuance/offerings/{id}/"]["patch"]
    assert operation["operationId"] == "issuance_offering_update"
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "hard_cap" in schema["components"]["schemas"][ref]["properties"]
    assert not schema["components"]["schemas"][ref].get("required")  # a partial update


def test_the_price_is_given_in_the_currency_minor_units(login_verified, issuer_admin, draft_offering):
    """JPY has no minor unit, USD two: the API says 95000 and 12.50, not the column's 95000.00."""
    client = login_verified(issuer_admin)
    assert _patch(client, draft_offering, {"price": "95000"}).json()["price"] == "95000"

    r = _patch(client, draft_offering, {"currency": "USD", "price": "12.5"})

    assert r.status_code == 200, r.json()
    assert (r.json()["currency"], r.json()["price"]) == ("USD", "12.50")
    assert Offering.objects.get(pk=draft_offering.pk).price == Decimal("12.50")
