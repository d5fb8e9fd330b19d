"""An https receiver: the connection goes to the address checked at delivery, and TLS still
verifies the certificate for the URL's host name (sent as SNI), so pinning the address does not
weaken the certificate check. A certificate for another name is a failed attempt."""

from __future__ import annotations

import datetime as dt
import ssl
import threading
from http.server import ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core.events import EventType
from webhooks import targets
from webhooks.delivery import deliver_due
from webhooks.fanout import fan_out_pending
from webhooks.models import WebhookAttempt
from webhooks.services import endpoint_create

from .conftest import Receiver, _handler, emit

pytestmark = pytest.mark.django_db


def _certificate(tmp_path, name: str):
    """A self-signed certificate for `name` (its own CA), written as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def https_receiver(tmp_path, settings, monkeypatch):
    cert_file, key_file = _certificate(tmp_path, "hooks.example.test")
    settings.WEBHOOK_CA_BUNDLE = str(cert_file)
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    state.port = server.server_address[1]
    names = {"hooks.example.test": ["127.0.0.1"], "other.example.test": ["127.0.0.1"]}
    monkeypatch.setattr(targets, "resolve", lambda host, port: names[host])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def test_tls_checks_the_name_while_connecting_to_the_checked_address(https_receiver, issuer_admin, issuer_org):
    endpoint, secret = endpoint_create(actor=issuer_admin, organization=issuer_org,
                                       url=f"https://hooks.example.test:{https_receiver.port}/tls",
                                       event_types=[EventType.BREAK_FOUND])
    https_receiver.secrets = {"current": secret}
    emit(EventType.BREAK_FOUND, key="break:tls", organization_id=issuer_org.pk)
    fan_out_pending()
    assert deliver_due() == 1
    [got] = https_receiver.wait_for(1)
    assert got.signatures_ok == {"current": True} and got.path == "/tls"
    assert got.headers["Host"] == f"hooks.example.test:{https_receiver.port}"
    assert WebhookAttempt.objects.get().status_code == 200


def test_a_certificate_for_another_name_is_a_failed_attempt(https_receiver, issuer_admin, issuer_org):
    endpoint_create(actor=issuer_admin, organization=issuer_org,
                    url=f"https://other.example.test:{https_receiver.port}/tls", event_types=[EventType.BREAK_FOUND])
    emit(EventType.BREAK_FOUND, key="break:tls2", organization_id=issuer_org.pk)
    fan_out_pending()
    assert deliver_due() == 1
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and attempt.error.startswith("connection_failed:")
    assert https_receiver.received == []
