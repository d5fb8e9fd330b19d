"""No server-side request forgery with the production setting (WEBHOOKS_ALLOW_PRIVATE_TARGETS
off): loopback, private, link-local, CGNAT, multicast and unspecified targets, in every spelling
(IPv6 ::1, IPv4-mapped IPv6, decimal and hexadecimal IPv4, names that resolve to them), and plain
http, are refused at registration with 400; a name that resolved to a public address at
registration and to a private one later (DNS rebinding) is refused at delivery, and nothing is
sent. The connection goes to the address that was checked, never to a second lookup."""

from __future__ import annotations

import pytest

from core.events import EventType
from webhooks import targets
from webhooks.delivery import deliver_due
from webhooks.fanout import fan_out_pending
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.services import endpoint_create
from webhooks.targets import is_public

from .conftest import api, emit

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.215.14"


@pytest.fixture
def production(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False


@pytest.fixture
def dns(monkeypatch):
    """The resolver the targets module asks (the one place names are resolved): name -> addresses;
    a literal address resolves to itself through the system resolver."""
    table: dict[str, list[str]] = {}
    system = targets.resolve

    def resolve(host, port):
        return table[host] if host in table else system(host, port)

    monkeypatch.setattr(targets, "resolve", resolve)
    return table


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook",
    "https://127.1.2.3:8443/hook",
    "https://localhost/hook",
    "https://10.0.0.5/hook",
    "https://172.16.3.4/hook",
    "https://192.168.1.10/hook",
    "https://169.254.169.254/latest/meta-data/",    # the cloud metadata service (link-local)
    "https://100.64.0.1/hook",                      # CGNAT
    "https://0.0.0.0/hook",
    "https://224.0.0.1/hook",                       # multicast
    "https://[::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",              # IPv4-mapped IPv6
    "https://[::ffff:a00:5]/hook",                  # IPv4-mapped 10.0.0.5, in hex
    "https://[64:ff9b::a9fe:a9fe]/hook",            # NAT64 of 169.254.169.254
    "https://[fe80::1]/hook",                       # link-local IPv6
    "https://[fd00::1]/hook",                       # unique local IPv6
    "https://2130706433/hook",                      # 127.0.0.1 as one decimal number
    "https://0x7f000001/hook",                      # ... as hexadecimal
    "https://017700000001/hook",                    # ... as octal
    "https://internal.example.test/hook",           # a name that resolves to a private address
])
def test_private_targets_are_refused_at_registration(url, production, dns, issuer_admin):
    dns["internal.example.test"] = ["10.1.2.3"]
    response = api(issuer_admin).post("/api/webhooks/endpoints/", {"url": url, "event_types": ["kyc.decided"]},
                                      format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "target_refused"
    assert "url" in response.json()["error"]["fields"]
    assert not WebhookEndpoint.objects.exists()


def test_a_name_with_one_private_address_among_public_ones_is_refused(production, dns, issuer_admin, issuer_org):
    dns["mixed.example.test"] = [PUBLIC, "127.0.0.1"]
    with pytest.raises(targets.TargetRefused) as refused:
        endpoint_create(actor=issuer_admin, organization=issuer_org, url="https://mixed.example.test/h",
                        event_types=["kyc.decided"])
    assert refused.value.code == "target_refused"


def test_plain_http_is_refused_in_production(production, dns, issuer_admin):
    dns["hooks.example.test"] = [PUBLIC]
    response = api(issuer_admin).post("/api/webhooks/endpoints/", {
        "url": "http://hooks.example.test/h", "event_types": ["kyc.decided"]}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_url"


def test_dns_rebinding_is_refused_at_delivery(production, dns, issuer_admin, issuer_org, monkeypatch):
    dns["hooks.example.test"] = [PUBLIC]
    endpoint, _secret = endpoint_create(actor=issuer_admin, organization=issuer_org,
                                        url="https://hooks.example.test/shoken", event_types=["break.found"])
    sent = []
    monkeypatch.setattr("webhooks.delivery.http_post", lambda *args: sent.append(args))
    dns["hooks.example.test"] = ["127.0.0.1"]      # the name now answers with loopback
    emit(EventType.BREAK_FOUND, key="break:1", organization_id=issuer_org.pk)
    fan_out_pending()

    assert deliver_due() == 1
    assert sent == []                              # no connection was made
    attempt = WebhookAttempt.objects.get(delivery__endpoint=endpoint)
    assert (attempt.status_code, attempt.succeeded, attempt.error) == (None, False, "target_refused")
    assert "private" in attempt.error_display
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.PENDING   # retried later, checked again


def test_the_connection_goes_to_the_checked_address(receiver, dns, issuer_admin, issuer_org):
    """(private targets allowed, as in tests) A name resolved once, at delivery, to the receiver's
    127.0.0.1: the request reaches that address with the name in its Host header, and no second
    lookup is made."""
    lookups = []
    dns["receiver.example.test"] = ["127.0.0.1"]
    original = targets.resolve

    def counting(host, port):
        lookups.append(host)
        return original(host, port)

    targets.resolve = counting
    try:
        endpoint_create(actor=issuer_admin, organization=issuer_org,
                        url=f"http://receiver.example.test:{receiver.port}/in", event_types=["break.found"])
        lookups.clear()
        emit(EventType.BREAK_FOUND, key="break:2", organization_id=issuer_org.pk)
        fan_out_pending()
        deliver_due()
    finally:
        targets.resolve = original
    [got] = receiver.wait_for(1)
    assert got.headers["Host"] == f"receiver.example.test:{receiver.port}" and got.path == "/in"
    assert lookups == ["receiver.example.test"]


@pytest.mark.parametrize(("address", "public"), [
    (PUBLIC, True), ("8.8.8.8", True), ("2606:4700:4700::1111", True),
    ("127.0.0.1", False), ("10.0.0.1", False), ("100.100.100.100", False), ("169.254.1.1", False),
    ("255.255.255.255", False), ("240.0.0.1", False), ("::", False), ("::1", False), ("::ffff:8.8.8.8", True),
    ("::ffff:192.168.0.1", False), ("2002:c0a8:0101::1", False), ("2002:0808:0808::1", True), ("fec0::1", False),
    ("not-an-address", False),
])
def test_what_counts_as_public(address, public):
    assert is_public(address) is public


@pytest.mark.parametrize("url", ["https://127.0.0.1:9/h", "https://[::1]:9/h", "https://[::ffff:10.0.0.5]:9/h",
                                 "https://2130706433:9/h", "https://169.254.169.254/h"])
def test_a_private_target_is_refused_at_delivery_too(url, settings, issuer_admin, issuer_org, monkeypatch):
    """An endpoint registered while private targets were allowed (or before a rule tightened) is
    checked again at each attempt under the setting then in force."""
    endpoint_create(actor=issuer_admin, organization=issuer_org, url=url, event_types=["break.found"])
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    sent = []
    monkeypatch.setattr("webhooks.delivery.http_post", lambda *args: sent.append(args))
    emit(EventType.BREAK_FOUND, key="break:late", organization_id=issuer_org.pk)
    fan_out_pending()
    assert deliver_due() == 1 and sent == []
    assert WebhookAttempt.objects.get().error == "target_refused"
