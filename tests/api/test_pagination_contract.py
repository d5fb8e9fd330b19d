"""Every list endpoint of the API is paged the same way (core.pagination): the generated OpenAPI
document says so for each GET whose answer is a list, and one real endpoint is walked across
three pages, forwards and back, with its filter bound to the cursor."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from issuance.models import Subscription
from issuance.tests.factories import SubscriptionFactory

#: The list endpoints converted in issue 17 (23 bare arrays, 2 page-numbered lists, the cap table).
CONVERTED = 26


def _component(schema: dict, ref: str) -> dict:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def _body_of_200(schema: dict, op: dict) -> dict | None:
    content = op.get("responses", {}).get("200", {}).get("content", {})
    body = content.get("application/json", {}).get("schema")
    if body is None:
        return None
    return _component(schema, body["$ref"]) if "$ref" in body else body


def _list_operations(schema: dict) -> dict[str, tuple[dict, dict]]:
    """GET operations answering a list: a bare array, or an object carrying a `results` array."""
    found = {}
    for path, ops in schema["paths"].items():
        op = ops.get("get")
        body = _body_of_200(schema, op) if op else None
        if body is None:
            continue
        if body.get("type") == "array" or body.get("properties", {}).get("results", {}).get("type") == "array":
            found[path] = (op, body)
    return found


def test_every_list_answer_is_the_paginated_envelope_with_cursor_and_limit(openapi_document):
    lists = _list_operations(openapi_document)
    assert len(lists) >= CONVERTED, sorted(lists)
    for path, (op, body) in lists.items():
        label = f"GET {path}"
        assert body.get("type") == "object", f"{label} answers a bare array"
        props = body["properties"]
        assert {"results", "next", "previous"} <= set(body.get("required", [])), label
        for link in ("next", "previous"):
            assert props[link]["type"] == "string" and props[link].get("nullable") is True, (label, link)
        assert props["results"]["type"] == "array" and props["results"].get("items"), label
        query = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "query"}
        assert {"cursor", "limit"} <= set(query), label
        limit = query["limit"]["schema"]
        assert limit["type"] == "integer" and limit["minimum"] == 1 and limit["maximum"] == 200, label
        assert "400" in op["responses"], label
        for name, param in query.items():   # every filter says what it does
            assert param.get("description"), (label, name)


def test_the_envelope_components_are_named_paginated_list(openapi_document):
    names = {op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
             for op, _body in _list_operations(openapi_document).values()}
    paged = {n for n in names if n.startswith("Paginated") and n.endswith("List")}
    assert len(paged) >= 20 and names - paged == {"CapTableOutput"}


def test_enum_filters_document_their_choices(openapi_document):
    op, _body = _list_operations(openapi_document)["/api/issuance/my-subscriptions/"]
    status = next(p for p in op["parameters"] if p["name"] == "status")
    assert set(status["schema"]["enum"]) == set(Subscription.Status.values)


# --- live: one real endpoint, three pages --------------------------------------------------------

@pytest.fixture
def api():
    return APIClient()


def _ids(body: dict) -> list[int]:
    return [row["id"] for row in body["results"]]


@pytest.mark.django_db
def test_my_subscriptions_walk_three_pages_forward_and_back(api, verified_investor):
    subs = SubscriptionFactory.create_batch(7, investor=verified_investor)
    SubscriptionFactory.create_batch(2, investor=verified_investor, status=Subscription.Status.CANCELLED)
    SubscriptionFactory.create_batch(2)                             # someone else's: never listed
    api.force_authenticate(verified_investor)
    url = "/api/issuance/my-subscriptions/"
    filters = {"status": Subscription.Status.PENDING, "limit": 3}

    pages, body = [], api.get(url, filters).json()
    assert body["previous"] is None
    pages.append(_ids(body))
    while body["next"]:
        response = api.get(url, {**filters, "cursor": body["next"]})
        assert response.status_code == 200, response.json()
        body = response.json()
        pages.append(_ids(body))
    assert [len(p) for p in pages] == [3, 3, 1]
    assert sum(pages, []) == sorted((s.pk for s in subs), reverse=True)   # newest first, each once

    back = [_ids(body)]
    while body["previous"]:
        body = api.get(url, {**filters, "cursor": body["previous"]}).json()
        back.insert(0, _ids(body))
    assert back == pages

    first = api.get(url, filters).json()
    for params in ({"status": Subscription.Status.CANCELLED, "cursor": first["next"]},        # other filter
                   {"cursor": first["next"]}):                                                   # filter dropped
        refused = api.get(url, params)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_cursor"
    elsewhere = api.get("/api/issuance/market/", {"cursor": first["next"]})            # another endpoint
    assert elsewhere.status_code == 400 and elsewhere.json()["error"]["code"] == "invalid_cursor"
    for params, code in (({"limit": 0}, "invalid_limit"), ({"limit": 201}, "invalid_limit"),
                         ({"status": "nope"}, "invalid_filter"), ({"cursor": "x" * 40}, "invalid_cursor")):
        refused = api.get(url, params)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == code, params
