"""Two requests under one Idempotency-Key at the same time, each in its own thread and database
session as two web workers would run them: the first claims the key and runs the view, the
second is a 409 idempotency_key_in_progress while it runs, and once it finished the key answers
the first answer (core/idempotency.py)."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection

from core.models import IdempotencyKey
from issuance import services
from issuance.models import Offering
from issuance.tests.factories import IssuerFactory, SecurityFactory
from ledger.tests.api_client import Api

OFFERING = {"title": "Raced offering", "currency": "USD", "price": "99.50", "min_subscription": "1",
            "max_subscription": "10", "target": "50", "hard_cap": "100", "opens_on": "2026-05-01",
            "closes_on": "2026-06-30"}
WAIT = 60   # seconds: a deadline for a thread to get somewhere, never a pause


def _post(user, body: bytes):
    client = Api()
    client.force_authenticate(user)
    return client.generic("POST", "/api/issuance/offerings/", body, content_type="application/json",
                          HTTP_IDEMPOTENCY_KEY="race-1")


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_while_the_first_runs_is_a_409_then_a_replay(issuer_org, issuer_admin, issuer_member,
                                                                  monkeypatch):
    bond = SecurityFactory(issuer=IssuerFactory(organization=issuer_org), created_by=issuer_admin)
    body = json.dumps({**OFFERING, "security": bond.pk}).encode()
    inside, go_on = threading.Event(), threading.Event()
    real = services.offering_create

    def held(**kwargs):
        inside.set()   # the first request is in the view, its claim committed and held
        if not go_on.wait(WAIT):
            raise TimeoutError("the test never let the first request finish")
        return real(**kwargs)

    monkeypatch.setattr(services, "offering_create", held)
    answers = {}

    def first():
        try:
            answers["first"] = _post(issuer_member, body)
        finally:
            connection.close()

    worker = threading.Thread(target=first)
    worker.start()
    try:
        assert inside.wait(WAIT), "the first request never reached the view"
        duplicate = _post(issuer_member, body)
    finally:
        go_on.set()
        worker.join(WAIT)
    assert not worker.is_alive()
    after = _post(issuer_member, body)

    assert duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "idempotency_key_in_progress"
    assert duplicate["Retry-After"] == "1"
    assert answers["first"].status_code == 201, answers["first"].json()
    assert after.status_code == 201 and after.content == answers["first"].content
    assert after["Idempotent-Replayed"] == "true"
    assert Offering.objects.filter(title="Raced offering").count() == 1
    assert IdempotencyKey.objects.get().state == "done"
