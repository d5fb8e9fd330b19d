"""Fixtures shared by the cross-app suites (tests/api, tests/security)."""

from __future__ import annotations

import json

import pytest
from django.test import Client


@pytest.fixture(scope="session")
def openapi_document(django_db_blocker) -> dict:
    """The app's own OpenAPI document as a client downloads it, generated once a session (it
    takes seconds; the schema probes and the hostile-input tests only read it)."""
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)
