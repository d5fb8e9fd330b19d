"""The accounts API takes strings where its schema says string: a company name sent as a
number or a list is a 400, not a company named "123"."""

import json

import pytest
from rest_framework.test import APIClient

from accounts.models import Organization

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("body", [{"name": 12345}, {"name": ["Acme"]}, {"name": True}, [], "Acme"])
def test_organization_create_refuses_what_is_not_a_name(unaffiliated_issuer, body):
    api = APIClient()
    api.force_authenticate(unaffiliated_issuer)
    before = Organization.objects.count()
    r = api.post("/api/accounts/organizations/", json.dumps(body), content_type="application/json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid"
    assert Organization.objects.count() == before
