"""Resolving a break: operators and compliance officers, with a reason; the break list and
the resolve action are hidden (404) from everyone else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.tests.helpers import api_token_for
from chain.models import Break
from chain.services import break_resolve
from core.errors import ApplicationError, PermissionDeniedError
from core.models import AuditEvent

from .factories import BreakFactory


@pytest.mark.parametrize("persona", ["operator", "compliance_officer"])
def test_operator_or_officer_resolves_a_break_with_a_reason(db, persona, request, login_verified):
    user = request.getfixturevalue(persona)
    brk = BreakFactory()
    client = login_verified(user)
    page = client.get(reverse("chain:breaks")).content.decode()
    assert f'data-testid="break-{brk.pk}"' in page and brk.wallet in page

    response = client.post(reverse("chain:break-resolve", args=[brk.pk]), {"reason": "test mint on a fork"},
                           follow=True)

    brk.refresh_from_db()
    assert brk.status == Break.Status.RESOLVED and brk.resolved_by == user and brk.resolved_at
    assert brk.resolution == "test mint on a fork"
    assert "The break was resolved." in response.content.decode()
    assert AuditEvent.objects.filter(action="break.resolved", actor=user, object_id=str(brk.pk)).exists()
    assert f'data-testid="break-{brk.pk}"' not in client.get(reverse("chain:breaks")).content.decode()
    assert "test mint on a fork" in client.get(reverse("chain:breaks") + "?status=all").content.decode()


def test_a_reason_is_required(db, operator, login_verified):
    brk = BreakFactory()
    client = login_verified(operator)

    response = client.post(reverse("chain:break-resolve", args=[brk.pk]), {"reason": "   "}, follow=True)

    assert "Say why the break is resolved." in response.content.decode()
    brk.refresh_from_db()
    assert brk.status == Break.Status.OPEN and brk.resolution == "" and brk.resolved_by is None
    with pytest.raises(ApplicationError) as caught:
        break_resolve(brk=brk, reason="", actor=operator)
    assert caught.value.code == "reason_required"


def test_a_resolved_break_cannot_be_resolved_again(db, operator):
    brk = break_resolve(brk=BreakFactory(), reason="explained", actor=operator)
    with pytest.raises(ApplicationError) as caught:
        break_resolve(brk=brk, reason="again", actor=operator)
    assert caught.value.code == "invalid_transition"


@pytest.mark.parametrize("persona", ["issuer_admin", "verified_investor", "outsider"])
def test_others_get_403_and_an_access_denied_event(db, persona, request, login_verified):
    user = request.getfixturevalue(persona)
    brk = BreakFactory()
    client = login_verified(user)
    assert client.get(reverse("chain:breaks")).status_code == 403   # a desk their role lacks
    assert client.post(reverse("chain:break-resolve", args=[brk.pk]), {"reason": "x"}).status_code == 403
    assert client.post(reverse("chain:reconcile")).status_code == 403
    brk.refresh_from_db()
    assert brk.status == Break.Status.OPEN
    assert AuditEvent.objects.filter(action="access_denied", actor=user).exists()
    with pytest.raises(PermissionDeniedError):
        break_resolve(brk=brk, reason="x", actor=user)


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(reverse("chain:breaks"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_api_lists_and_resolves_breaks(db, operator, issuer_admin, client):
    brk = BreakFactory()
    token = api_token_for(operator)
    auth = {"HTTP_AUTHORIZATION": f"Token {token}", "content_type": "application/json"}
    body = client.get(reverse("chain-api:breaks"), **auth).json()["results"]
    assert [b["id"] for b in body] == [brk.pk] and body[0]["register_value"] == "100"

    refused = client.post(reverse("chain-api:break-resolve", args=[brk.pk]), {"reason": ""}, **auth)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "reason_required"
    done = client.post(reverse("chain-api:break-resolve", args=[brk.pk]), {"reason": "explained"}, **auth)
    assert done.status_code == 200 and done.json()["status"] == "resolved"
    assert done.json()["resolved_by"] == operator.email
    assert client.get(reverse("chain-api:breaks"), **auth).json()["results"] == []

    other = api_token_for(issuer_admin)
    response = client.get(reverse("chain-api:breaks"), HTTP_AUTHORIZATION=f"Token {other}")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


def test_the_break_api_is_in_the_openapi_schema(client, db):
    schema = client.get(reverse("api-schema")).content.decode()
    assert "/api/chain/breaks/" in schema and "/api/chain/reconciliations/" in schema
