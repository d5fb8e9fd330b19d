"""Bad input to registration is a 400 naming the field, from the API and the page, and writes
nothing: a URL that is not one, an unknown event type, no event chosen, an unknown field."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import force_login_verified
from core.models import AuditEvent
from webhooks.models import WebhookEndpoint

from .conftest import api

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("body", "field", "code"), [
    ({"url": "not a url", "event_types": ["kyc.decided"]}, "url", "invalid_url"),
    ({"url": "ftp://127.0.0.1/x", "event_types": ["kyc.decided"]}, "url", "invalid_url"),
    ({"url": "http://user:pw@127.0.0.1:9/x", "event_types": ["kyc.decided"]}, "url", "invalid_url"),
    ({"url": "http://127.0.0.1:9/x#frag", "event_types": ["kyc.decided"]}, "url", "invalid_url"),
    ({"url": "http://no-such-host.invalid/x", "event_types": ["kyc.decided"]}, "url", "target_refused"),
    ({"url": "", "event_types": ["kyc.decided"]}, "url", "invalid"),
    ({"url": 12, "event_types": ["kyc.decided"]}, "url", "invalid"),
    ({"url": "http://127.0.0.1:9/x", "event_types": ["kyc.approved"]}, "event_types", "invalid"),
    ({"url": "http://127.0.0.1:9/x", "event_types": []}, "event_types", "invalid"),
    ({"url": "http://127.0.0.1:9/x", "event_types": "kyc.decided"}, "event_types", "invalid"),
    ({"url": "http://127.0.0.1:9/x"}, "event_types", "invalid"),
    ({"url": "http://127.0.0.1:9/x", "event_types": ["kyc.decided"], "description": "x" * 201}, "description",
     "invalid"),
    ({"url": "http://127.0.0.1:9/x", "event_types": ["kyc.decided"], "secret": "mine"}, "secret", "invalid"),
])
def test_the_api_refuses_bad_input_with_its_field(body, field, code, issuer_admin):
    response = api(issuer_admin).post("/api/webhooks/endpoints/", body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code and field in error["fields"], error
    assert not WebhookEndpoint.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="webhook.").exists()


def test_the_service_reports_every_bad_field_at_once(issuer_admin, issuer_org):
    from core.errors import ApplicationError
    from webhooks.services import endpoint_create

    with pytest.raises(ApplicationError) as error:
        endpoint_create(actor=issuer_admin, organization=issuer_org, url="gopher://x", event_types=["nope"],
                        description="d" * 300)
    assert set(error.value.fields) == {"url", "event_types", "description"}


def test_the_page_shows_bad_input_on_its_fields(client, issuer_admin):
    force_login_verified(client, issuer_admin)
    response = client.post(reverse("webhooks:home"), {"url": "ftp://example.com/x", "event_types": []})
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"event_types"}     # the form's own check first
    response = client.post(reverse("webhooks:home"), {"url": "ftp://example.com/x", "event_types": ["kyc.decided"]})
    assert response.status_code == 400 and "url" in response.context["form"].errors
    response = client.post(reverse("webhooks:home"), {"url": "https://x.test/", "event_types": ["kyc.approved"]})
    assert response.status_code == 400 and "event_types" in response.context["form"].errors
    assert not WebhookEndpoint.objects.exists()


def test_a_bad_filter_or_cursor_on_the_delivery_list_is_a_400(issuer_admin, issuer_org, receiver):
    from webhooks.services import endpoint_create

    endpoint, _s = endpoint_create(actor=issuer_admin, organization=issuer_org, url=receiver.url,
                                   event_types=["kyc.decided"])
    client = api(issuer_admin)
    base = f"/api/webhooks/endpoints/{endpoint.pk}/deliveries/"
    assert client.get(base + "?status=lost").json()["error"]["code"] == "invalid_filter"
    assert client.get(base + "?cursor=forged").json()["error"]["code"] == "invalid_cursor"
    assert client.get(base + "?limit=0").json()["error"]["code"] == "invalid_limit"


def test_an_internationalized_host_is_kept_in_its_ascii_form():
    from webhooks.targets import url_checked

    assert url_checked("https://例え.テスト:8443/hooks?x=1") == "https://xn--r8jz45g.xn--zckzah:8443/hooks?x=1"
    assert url_checked("https://bücher.example/h") == "https://xn--bcher-kva.example/h"
    assert url_checked("https://hooks.example/h") == "https://hooks.example/h"   # ASCII left as given
