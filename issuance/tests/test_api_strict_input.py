"""The issuance API takes exactly what its schema says: over-long strings, numbers that are not
plain ASCII decimals, lists for strings and bodies that are not objects are 400s with field
errors (never a 500, never stored as their Python text), and an action checks its body before
it acts."""

import json

import pytest
from rest_framework.test import APIClient

from issuance.models import Offering, Security, Subscription

from .factories import SubscriptionFactory

BOND_TERMS = {"face_value": "100000", "coupon_rate": "1.5", "coupon_frequency": "annual", "day_count": "ACT/365F",
              "issue_date": "2026-04-01", "maturity_date": "2031-03-31"}
SECURITY = {"kind": "bond", "name": "Strict Bond", "symbol": "STR", "currency": "JPY", "terms": BOND_TERMS, "rules": {}}


def _post(client, url: str, body, method: str = "post"):
    return getattr(client, method)(url, json.dumps(body) if not isinstance(body, str | bytes) else body,
                                   content_type="application/json")


def _fields(response) -> dict:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    error = response.json()["error"]
    assert error["code"] and error["message"]
    return error.get("fields", {})


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def admin_client(login_verified, issuer_admin):
    return login_verified(issuer_admin)


@pytest.mark.parametrize(("change", "field"), [
    ({"name": "n" * 201}, "name"),
    ({"name": 12345}, "name"),
    ({"symbol": ["STR"]}, "symbol"),
    ({"terms": {**BOND_TERMS, "coupon_rate": "NaN"}}, "terms"),
    ({"terms": {**BOND_TERMS, "coupon_rate": "Infinity"}}, "terms"),
    ({"terms": {**BOND_TERMS, "coupon_rate": "1e400"}}, "terms"),
    ({"terms": {**BOND_TERMS, "coupon_rate": 1.5}}, "terms"),
    ({"terms": {**BOND_TERMS, "face_value": "1_000"}}, "terms"),
    ({"terms": {**BOND_TERMS, "face_value": "１０００"}}, "terms"),
    ({"terms": {**BOND_TERMS, "redemption_price": "1e400"}}, "terms"),
    ({"terms": ["face_value"]}, "terms"),
    ({"kind": "equity", "terms": {"share_class": "c" * 65, "authorized_shares": "1000"}}, "terms"),
    ({"rules": {"max_holders": 10**30}}, "rules"),
    ({"rules": {"max_holders": "²"}}, "rules"),
    ({"rules": {"max_holders": True}}, "rules"),
    ({"rules": {"min_holding": "NaN"}}, "rules"),
    ({"rules": {"investor_types": [["retail"]]}}, "rules"),
    ({"rules": {"accredited_only": [1]}}, "rules"),
])
def test_bad_security_input_is_a_400_with_its_field(admin_client, issuer, change, field):
    r = _post(admin_client, "/api/issuance/securities/", {**SECURITY, **change})
    assert field in _fields(r)
    assert not Security.objects.filter(symbol="STR").exists()


def test_a_valid_security_still_goes_through(admin_client, issuer):
    r = _post(admin_client, "/api/issuance/securities/",
              {**SECURITY, "rules": {"max_holders": 500, "accredited_only": True}})
    assert r.status_code == 201, r.json()
    assert Security.objects.get(symbol="STR").max_holders == 500


@pytest.mark.parametrize("units", ["1_000", "٣", "²", "１", "1e3", "NaN", 3, ["1"], "1" * 200])
def test_units_that_are_not_a_plain_decimal_string_are_refused(api_client, verified_investor, offering, units):
    api_client.force_authenticate(verified_investor)
    r = api_client.post(f"/api/issuance/market/{offering.pk}/subscribe/", {"units": units}, format="json")
    assert "units" in _fields(r)
    assert not Subscription.objects.exists()


@pytest.mark.parametrize("reference", [["a"], {"a": 1}, 42, "r" * 101])
def test_a_funding_reference_that_is_not_a_short_string_is_refused(admin_client, offering, reference):
    sub = SubscriptionFactory(offering=offering, status="signed")
    r = _post(admin_client, f"/api/issuance/subscriptions/{sub.pk}/funded/", {"reference": reference})
    assert "reference" in _fields(r)
    sub.refresh_from_db()
    assert sub.status == "signed" and sub.funding_reference == ""


@pytest.mark.parametrize("body", [[], "close", 1, "{", [{"reason": "x"}]])
def test_a_malformed_body_does_not_close_the_offering(admin_client, offering, body):
    r = _post(admin_client, f"/api/issuance/offerings/{offering.pk}/close/", body if body != "{" else b"{")
    assert r.status_code == 400 and r.json()["error"]["code"]
    assert Offering.objects.get(pk=offering.pk).status == Offering.Status.PUBLISHED


def test_a_malformed_body_does_not_accept_or_reject_a_subscription(admin_client, offering):
    sub = SubscriptionFactory(offering=offering, status="signed")
    assert _post(admin_client, f"/api/issuance/subscriptions/{sub.pk}/accept/", []).status_code == 400
    assert "reason" in _fields(_post(admin_client, f"/api/issuance/subscriptions/{sub.pk}/reject/", {"reason": ["x"]}))
    assert Subscription.objects.get(pk=sub.pk).status == "signed"


@pytest.mark.parametrize("ids", [[True], ["1_000"], ["²"], [10**30], [1.5], "1"])
def test_bulk_ids_are_plain_integers(admin_client, offering, ids):
    SubscriptionFactory(offering=offering, status="signed")
    r = _post(admin_client, f"/api/issuance/offerings/{offering.pk}/subscriptions/bulk/",
              {"decision": "accept", "subscriptions": ids})
    assert "subscriptions" in _fields(r)


def test_a_non_numeric_id_in_the_path_is_a_404_with_the_error_body(admin_client, offering):
    for path in ("/api/issuance/offerings/abc/close/", "/api/issuance/offerings/1e400/",
                 "/api/issuance/subscriptions/%C2%B2/accept/"):
        r = admin_client.post(path, "{}", content_type="application/json")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", path
