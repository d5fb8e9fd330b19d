"""The mirror page and its API: operators see depth, oldest pending age, signer balance and
failures; everyone else gets 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.tests.helpers import api_token_for
from core.models import OutboxEntry
from core.templatetags.chain_ui import ether

from .conftest import new_wallet, put, put_unchecked, register_wallet_payload, settle


@pytest.fixture
def some_actions(db, backend, registry):
    put("registry.register_wallet", register_wallet_payload(1, new_wallet()), "ops:wallet:1:add")
    settle(backend)
    put("registry.register_wallet", register_wallet_payload(2, new_wallet()), "ops:wallet:2:add")
    put_unchecked("token.mint", {"security_id": 99, "wallet": "nope", "amount": "1"}, "action:bad")


def test_operator_sees_the_mirror(some_actions, operator, login_verified, backend):
    client = login_verified(operator)
    response = client.get(reverse("chain:mirror"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'hx-get="/chain/mirror/status/"' in page and 'hx-trigger="every 5s"' in page
    assert '<p data-testid="depth-pending">2</p>' in page and '<p data-testid="depth-confirmed">1</p>' in page
    assert backend.address in page
    assert f'data-testid="signer-balance">{ether(backend.native_balance())} ETH<' in page  # ether, not wei
    partial = client.get(reverse("chain:mirror-status")).content.decode()
    assert "<html" not in partial and 'data-testid="depth-pending"' in partial


@pytest.mark.parametrize("persona", ["compliance_officer", "issuer_admin", "verified_investor"])
def test_others_get_403(some_actions, persona, request, login_verified):
    client = login_verified(request.getfixturevalue(persona))
    assert client.get(reverse("chain:mirror")).status_code == 403   # a desk their role lacks
    assert client.get(reverse("chain:mirror-status")).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(reverse("chain:mirror"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_operator_without_2fa_is_sent_to_verify(client, operator, password):
    client.post("/accounts/login/", {"email": operator.email, "password": password})
    response = client.get(reverse("chain:mirror"))
    assert response.status_code == 302 and "/accounts/2fa/" in response["Location"]


def test_the_page_says_when_the_node_is_down(some_actions, operator, login_verified, settings):
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"
    page = login_verified(operator).get(reverse("chain:mirror")).content.decode()
    assert "The chain node cannot be reached" in page


def test_api_status_for_operators_only(some_actions, operator, compliance_officer, client):
    token = api_token_for(operator)
    body = client.get(reverse("chain-api:mirror"), HTTP_AUTHORIZATION=f"Token {token}").json()
    assert body["depth"]["pending"] == 2 and body["depth"]["confirmed"] == 1
    assert int(body["signer_balance_wei"]) > 0 and body["oldest_pending_seconds"] >= 0
    other = api_token_for(compliance_officer)
    response = client.get(reverse("chain-api:mirror"), HTTP_AUTHORIZATION=f"Token {other}")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


def test_api_retry(some_actions, operator, client, backend):
    from chain.relay import relay_sweep

    relay_sweep(backend=backend)
    failed = OutboxEntry.objects.get(idempotency_key="action:bad")
    assert failed.status == "failed"
    token = api_token_for(operator)
    response = client.post(reverse("chain-api:outbox-retry", args=[failed.pk]), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200 and response.json()["status"] == "pending"


def test_the_mirror_api_is_in_the_openapi_schema(client, db):
    schema = client.get(reverse("api-schema")).content.decode()
    assert "/api/chain/mirror/" in schema and "/api/chain/outbox/{id}/retry/" in schema
