"""The chain API's filters and bodies are checked: a NUL or unknown status in the break list
filter is a 400, not a database error; a reason is a string; a retry with a body that is not
an object does not retry."""

import json

import pytest

from chain.models import Break

from .factories import BreakFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth(login_verified, operator) -> dict:
    login_verified(operator)  # the `client` fixture now has an operator session that passed 2FA
    return {}


@pytest.mark.parametrize("status", ["open\x00", "x" * 10000, "closed"], ids=["nul", "long", "unknown"])
def test_a_bad_status_filter_is_a_400(client, auth, status):
    r = client.get("/api/chain/breaks/", {"status": status}, **auth)
    assert r.status_code == 400 and "status" in r.json()["error"]["fields"]


def test_the_known_filters_still_work(client, auth):
    brk = BreakFactory()
    assert [b["id"] for b in client.get("/api/chain/breaks/", {"status": "all"}, **auth).json()["results"]] == [brk.pk]


@pytest.mark.parametrize("body", [{"reason": 5}, {"reason": ["x"]}, {"reason": "r" * 2001}, [], "reason"])
def test_a_bad_resolve_body_leaves_the_break_open(client, auth, body):
    brk = BreakFactory()
    r = client.post(f"/api/chain/breaks/{brk.pk}/resolve/", json.dumps(body), content_type="application/json", **auth)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid"
    assert Break.objects.get(pk=brk.pk).status == Break.Status.OPEN
