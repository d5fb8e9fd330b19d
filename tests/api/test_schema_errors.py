"""The OpenAPI schema documents the error answers once, for every operation (core.schema):
the shared error body for each 4xx an operation can give, and the links of the two flows
schemathesis' stateful phase follows. Fast checks of the schema itself; the fuzzing suite
(test_schemathesis.py) checks the answers against it."""

from __future__ import annotations

import pytest

WRITES = {"post", "put", "patch", "delete"}
METHODS = WRITES | {"get"}


@pytest.fixture(scope="module")
def schema(openapi_document):
    return openapi_document


def _operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [(path, method, op) for path, ops in schema["paths"].items()
            for method, op in ops.items() if method in METHODS]


def _error_ref(response: dict) -> str | None:
    return response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")


def test_every_error_answer_has_the_error_body(schema):
    error_refs = set()
    for path, method, op in _operations(schema):
        for status, response in op["responses"].items():
            if status.startswith("4"):
                assert _error_ref(response), f"{method.upper()} {path} {status} has no error body"
                error_refs.add(_error_ref(response))
    body = schema["components"]["schemas"][next(iter(error_refs)).rsplit("/", 1)[-1]]
    assert body["properties"]["error"]
    detail = schema["components"]["schemas"][body["properties"]["error"]["$ref"].rsplit("/", 1)[-1]]
    assert {"code", "message", "fields"} <= detail["properties"].keys()


def test_the_statuses_each_operation_can_give_are_documented(schema):
    for path, method, op in _operations(schema):
        documented = set(op["responses"])
        security = op.get("security") or []
        label = f"{method.upper()} {path}"
        if security and {} not in security:
            assert {"401", "403", "404"} <= documented, label
        if "{" in path:
            assert "404" in documented, label
        if method in WRITES:
            assert {"400", "409", "415"} <= documented, label
        if any(p["in"] == "query" for p in op.get("parameters", [])):
            assert "400" in documented, label


def test_json_apis_take_json_and_uploads_multipart(schema):
    for path, method, op in _operations(schema):
        content = set(op.get("requestBody", {}).get("content", {}))
        assert content <= {"application/json"} or content == {"multipart/form-data"}, (
            f"{method.upper()} {path}: {content}")


def test_links_lead_through_the_subscription_and_kyc_flows(schema):
    def links(path: str, status: str) -> dict:
        return schema["paths"][path]["post"]["responses"][status].get("links", {})

    ids = {op["operationId"]: (path, method) for path, method, op in _operations(schema)}
    subscribe = links("/api/issuance/market/{id}/subscribe/", "201")
    accept_path = ids[subscribe["AcceptAgreement"]["operationId"]][0]
    assert accept_path == "/api/issuance/my-subscriptions/{id}/accept-agreement/"
    agreement = links("/api/issuance/my-subscriptions/{id}/accept-agreement/", "200")
    assert agreement["MarkFunded"]["parameters"] == {"id": "$response.body#/id", "action": "funded"}
    steps = links("/api/issuance/subscriptions/{id}/{action}/", "200")
    assert steps["Accept"]["parameters"]["action"] == "accept"
    assert ids[steps["Settle"]["operationId"]] == ("/api/ledger/settle/", "post")
    assert steps["Settle"]["requestBody"] == {"subscriptions": ["$response.body#/id"]}
    kyc = links("/api/compliance/kyc/submit/", "201")
    assert ids[kyc["Approve"]["operationId"]][0] == "/api/compliance/reviews/{id}/approve/"
