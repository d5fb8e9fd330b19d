"""The signing secret is shown once, in the answer that made it (creation, rotation), stored
encrypted, and in no later answer or page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import force_login_verified
from core.models import AuditEvent
from investors.fields import decrypt
from webhooks.models import WebhookEndpoint

from .conftest import api

pytestmark = pytest.mark.django_db


def test_the_api_answers_the_secret_at_creation_and_rotation_only(issuer_admin, receiver):
    client = api(issuer_admin)
    created = client.post("/api/webhooks/endpoints/", {"url": receiver.url, "event_types": ["subscription.changed"],
                                                       "description": "ERP"}, format="json")
    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    endpoint = WebhookEndpoint.objects.get(pk=created.json()["id"])
    assert secret not in endpoint.secret_encrypted and decrypt(endpoint.secret_encrypted) == secret

    for path in ("/api/webhooks/endpoints/", f"/api/webhooks/endpoints/{endpoint.pk}/"):
        response = client.get(path)
        assert response.status_code == 200
        assert secret not in response.content.decode() and b'"secret"' not in response.content

    rotated = client.post(f"/api/webhooks/endpoints/{endpoint.pk}/rotate/")
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret != secret and decrypt(WebhookEndpoint.objects.get().secret_encrypted) == new_secret
    assert new_secret not in client.get(f"/api/webhooks/endpoints/{endpoint.pk}/").content.decode()
    trail = " ".join(str(e.new_values) + str(e.old_values) for e in AuditEvent.objects.all())
    assert secret not in trail and new_secret not in trail


def test_the_pages_show_the_secret_once(client, issuer_admin, receiver):
    force_login_verified(client, issuer_admin)
    response = client.post(reverse("webhooks:home"), {
        "url": receiver.url, "event_types": ["kyc.decided", "break.found"], "description": ""})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    endpoint = WebhookEndpoint.objects.get()
    secret = decrypt(endpoint.secret_encrypted)
    assert secret in response.content.decode()
    assert endpoint.event_types == ["kyc.decided", "break.found"]

    for url in (reverse("webhooks:home"), reverse("webhooks:endpoint", args=[endpoint.pk])):
        page = client.get(url)
        assert page.status_code == 200 and secret not in page.content.decode()

    rotated = client.post(reverse("webhooks:endpoint-step", args=[endpoint.pk]), {"step": "rotate"})
    new_secret = decrypt(WebhookEndpoint.objects.get().secret_encrypted)
    assert rotated.status_code == 200 and new_secret in rotated.content.decode() and secret != new_secret
    assert new_secret not in client.get(reverse("webhooks:endpoint", args=[endpoint.pk])).content.decode()
