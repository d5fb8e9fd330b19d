"""The schema tells clients where Idempotency-Key works (core/idempotency.py, core/schema.py):
every write operation of a signed-in caller documents the header once, with the key's rule,
and the 422 of a key reused for another request; the ledger's register actions document their
own service-level key (409 idempotency_conflict) instead; the anonymous token request and the
answers carrying a once-shown secret (webhook creation, rotation) offer none. The views behind
the operations agree with what the schema says."""

from __future__ import annotations

import re

import pytest
from django.urls import resolve

from core.idempotency import KEY_PATTERN, NONE, REPLAY, SERVICE

WRITES = {"post", "put", "patch", "delete"}
#: The register actions whose services record the client's key on the TokenAction.
SERVICE_KEYED = {"ledger_issue", "ledger_transfer", "ledger_redeem", "ledger_holding_transfer"}
#: Writes whose answer carries a secret shown once (idempotency = "none": never stored, not covered).
SECRET_ANSWERS = {"webhooks_endpoints_create", "webhooks_endpoints_rotate_create"}
#: Writes an anonymous caller makes (not covered: no one to scope a key to).
ANONYMOUS = {"auth_token_create"}


@pytest.fixture(scope="module")
def writes(openapi_document) -> list[tuple[str, str, dict]]:
    return [(path, method, op) for path, ops in openapi_document["paths"].items()
            for method, op in ops.items() if method in WRITES]


def _keys(op: dict) -> list[dict]:
    return [p for p in op.get("parameters", []) if p["in"] == "header" and p["name"].lower() == "idempotency-key"]


def _anonymous(op: dict) -> bool:
    security = op.get("security") or []
    return not security or {} in security


def test_every_signed_in_write_documents_the_idempotency_key(writes):
    assert len(writes) > 50
    wrong = []
    for path, method, op in writes:
        label = f"{method.upper()} {path} ({op['operationId']})"
        keys = _keys(op)
        if _anonymous(op) or op["operationId"] in SECRET_ANSWERS:
            if keys or "422" in op["responses"]:
                wrong.append(f"{label}: not covered, yet the key is offered")
            continue
        if len(keys) != 1 or keys[0]["schema"].get("pattern") != KEY_PATTERN or keys[0].get("required"):
            wrong.append(f"{label}: {len(keys)} Idempotency-Key headers")
        elif op["operationId"] in SERVICE_KEYED:
            if "422" in op["responses"] or "409" not in op["responses"]:
                wrong.append(f"{label}: its own key answers 409, never 422")
        elif "422" not in op["responses"] or "409" not in op["responses"]:
            wrong.append(f"{label}: 409 and 422 undocumented")
        elif "idempotency_key_reused" not in keys[0]["description"]:
            wrong.append(f"{label}: the header does not say what a reused key answers")
    assert wrong == []


def test_the_writes_not_covered_are_the_known_ones(writes):
    operations = {op["operationId"] for _, _, op in writes}

    assert {op["operationId"] for _, _, op in writes if _anonymous(op)} == ANONYMOUS
    assert SECRET_ANSWERS <= operations


def test_the_views_behind_the_operations_agree(writes):
    """What the schema promises is what the view does: "service" views are the ledger's keyed
    actions, "none" the answers with a secret, every other write replays (for a signed-in caller)."""
    wrong = []
    for path, method, op in writes:
        view = resolve(re.sub(r"\{[^}]+\}", "1", path)).func.view_class
        operation = op["operationId"]
        expected = SERVICE if operation in SERVICE_KEYED else NONE if operation in SECRET_ANSWERS else REPLAY
        if getattr(view, "idempotency", None) != expected:
            wrong.append(f"{method.upper()} {path}: {getattr(view, 'idempotency', None)}, expected {expected}")
    assert wrong == []
