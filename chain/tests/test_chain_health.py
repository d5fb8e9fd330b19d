"""/healthz reports the chain node."""

from django.urls import reverse


def test_healthz_reports_chain_ok(client, db, settings, anvil):
    settings.CHAIN_RPC_URL = anvil.rpc_url
    body = client.get(reverse("healthz")).json()
    assert body["checks"]["chain"] == {"status": "ok"}
    assert body["status"] == "ok"


def test_healthz_is_503_when_the_chain_node_is_down(client, db, settings):
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["chain"]["status"] == "down"


def test_healthz_says_when_no_chain_is_configured(client, db, settings):
    settings.CHAIN_RPC_URL = ""
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["checks"]["chain"] == {"status": "not_configured"}
