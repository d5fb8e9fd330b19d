"""A receiver that drips its answer cannot hold a sender: the excerpt is read in small pieces
until the attempt's time budget (connect + read timeout) is spent, then the sender moves on with
what it has (the status line already decided the attempt)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.events import EventType
from webhooks.delivery import deliver_due
from webhooks.fanout import fan_out_pending
from webhooks.models import WebhookAttempt
from webhooks.services import endpoint_create

from .conftest import emit

pytestmark = pytest.mark.django_db

BODY = 200   # bytes the receiver would send, one every 50 ms (10 s in all)


class Drip(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", str(BODY))
        self.end_headers()
        try:
            for _ in range(BODY):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.05)
        except OSError:   # the sender hung up: what this test expects
            pass

    def log_message(self, *args):
        pass


def test_a_dripping_answer_is_cut_at_the_time_budget(settings, issuer_admin, issuer_org):
    settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS = 0.2
    settings.WEBHOOK_READ_TIMEOUT_SECONDS = 0.3
    server = ThreadingHTTPServer(("127.0.0.1", 0), Drip)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoint_create(actor=issuer_admin, organization=issuer_org, url=f"http://127.0.0.1:{server.server_address[1]}/",
                        event_types=[EventType.BREAK_FOUND])
        emit(EventType.BREAK_FOUND, key="break:drip", organization_id=issuer_org.pk)
        fan_out_pending()
        assert deliver_due() == 1
    finally:
        server.shutdown()
        server.server_close()
    attempt = WebhookAttempt.objects.get()
    assert attempt.succeeded and attempt.status_code == 200
    assert 0 < len(attempt.response_excerpt) < BODY
