"""Every write leaves its audit event (create, rotate, disable, enable, delete, replay), none of
them holding a secret; a disabled endpoint gets no new deliveries and its pending ones wait until
it is enabled again; deleting removes the endpoint with its deliveries (the trail keeps it)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import force_login_verified
from core.audit import audit_verify
from core.events import EventType
from core.models import AuditEvent
from webhooks.delivery import deliver_due
from webhooks.fanout import fan_out_pending
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

from .conftest import api, emit

pytestmark = pytest.mark.django_db


def _actions():
    rows = AuditEvent.objects.filter(action__startswith="webhook.").order_by("id")
    return list(rows.values_list("action", flat=True))


def test_each_write_is_audited_and_no_event_holds_a_secret(issuer_admin, issuer_org, receiver):
    client = api(issuer_admin)
    created = client.post("/api/webhooks/endpoints/", {"url": receiver.url, "event_types": ["break.found"],
                                                       "description": "ops"}, format="json").json()
    pk = created["id"]
    rotated = client.post(f"/api/webhooks/endpoints/{pk}/rotate/").json()
    emit(EventType.BREAK_FOUND, key="break:1", organization_id=issuer_org.pk)
    fan_out_pending()
    deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert client.post(f"/api/webhooks/deliveries/{delivery.pk}/replay/").status_code == 200
    assert client.post(f"/api/webhooks/endpoints/{pk}/disable/").json()["status"] == "disabled"
    assert client.post(f"/api/webhooks/endpoints/{pk}/enable/").json()["status"] == "active"
    assert client.delete(f"/api/webhooks/endpoints/{pk}/").status_code == 204

    assert _actions() == ["webhook.endpoint_created", "webhook.secret_rotated", "webhook.delivery_replayed",
                          "webhook.endpoint_disabled", "webhook.endpoint_enabled", "webhook.endpoint_deleted"]
    events = AuditEvent.objects.filter(action__startswith="webhook.")
    assert all(event.actor_id == issuer_admin.pk for event in events)
    trail = " ".join(f"{e.old_values} {e.new_values}" for e in events)
    assert created["secret"] not in trail and rotated["secret"] not in trail
    created_event = events.get(action="webhook.endpoint_created")
    assert created_event.new_values["url"] == receiver.url and created_event.new_values["target"] == "127.0.0.1"
    deleted = events.get(action="webhook.endpoint_deleted")
    assert deleted.old_values["deliveries"] == 1 and deleted.object_id == str(pk)
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()
    assert not WebhookAttempt.objects.exists()
    assert audit_verify().ok


def test_a_disabled_endpoint_gets_nothing_until_enabled(issuer_admin, issuer_org, receiver, client):
    force_login_verified(client, issuer_admin)
    client.post(reverse("webhooks:home"), {"url": receiver.url, "event_types": ["trade.settled"]})
    endpoint = WebhookEndpoint.objects.get()
    emit(EventType.TRADE_SETTLED, key="trade:1", organization_id=issuer_org.pk)
    fan_out_pending()                                   # a delivery waits
    response = client.post(reverse("webhooks:endpoint-step", args=[endpoint.pk]), {"step": "disable"})
    assert response.status_code == 302
    emit(EventType.TRADE_SETTLED, key="trade:2", organization_id=issuer_org.pk)
    assert fan_out_pending() == 0                       # no delivery for a disabled endpoint
    assert deliver_due() == 0 and receiver.received == []

    client.post(reverse("webhooks:endpoint-step", args=[endpoint.pk]), {"step": "enable"})
    assert deliver_due() == 1
    assert [r.headers["Shoken-Event-Type"] for r in receiver.received] == ["trade.settled"]
    page = client.get(reverse("webhooks:endpoint", args=[endpoint.pk]))
    assert page.status_code == 200 and page.content.decode().count('data-testid="delivery-') == 1

    response = client.post(reverse("webhooks:endpoint-step", args=[endpoint.pk]), {"step": "delete"})
    assert response.status_code == 302 and response["Location"] == reverse("webhooks:home")
    assert not WebhookEndpoint.objects.exists()
    assert _actions() == ["webhook.endpoint_created", "webhook.endpoint_disabled", "webhook.endpoint_enabled",
                          "webhook.endpoint_deleted"]


def test_the_pages_read_in_japanese(issuer_admin, client, receiver):
    force_login_verified(client, issuer_admin)
    client.post("/i18n/setlang/", {"language": "ja"})
    page = client.get(reverse("webhooks:home"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    for text in ("エンドポイントを登録", "本人確認の審査結果", "申込の状態変更", "照合差異の検出"):
        assert text in page, text
    response = client.post(reverse("webhooks:home"), {"url": receiver.url, "event_types": ["kyc.decided"]},
                           HTTP_ACCEPT_LANGUAGE="ja")
    assert "このシークレットを今すぐコピーしてください" in response.content.decode()
