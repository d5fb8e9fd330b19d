"""/healthz tells a load balancer (and an operator) whether the database and the broker
answer: JSON, HTTP 200 when all are ok, 503 when one is down."""

from django.urls import reverse

DEAD_SOCKET = "unix:///tmp/nonexistent-shoken.sock"


def test_healthz_reports_database_and_broker_ok(client, db):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["broker"] == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_with_the_broker_down_when_redis_does_not_answer(client, db, settings):
    settings.REDIS_URL = DEAD_SOCKET

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["broker"]["status"] == "down"
    assert "ConnectionError" in body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["status"] == "ok"


def test_healthz_needs_no_sign_in_but_only_answers_get(client, db):
    assert client.get(reverse("healthz")).status_code == 200
    assert client.post(reverse("healthz")).status_code == 405
