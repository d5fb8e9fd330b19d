"""The webhooks stories' world: a real HTTP receiver on 127.0.0.1 (http.server in a thread) that
checks each request's HMAC signature and timestamp as a customer's receiver would, endpoints made
through the service, events emitted through core.events, and API clients with 2FA-verified tokens."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from accounts.tests.helpers import api_token_for
from core.events import EventType, event_emit
from core.models import Event
from webhooks.signing import verify


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signatures_ok: dict[str, bool]   # secret label -> verified


@dataclass
class Receiver:
    """Answers each POST with the next status of `statuses` (the last one repeats) and records
    what it got, verified against every secret in `secrets` (label -> secret) at `clock()`."""

    port: int = 0
    statuses: list[int] = field(default_factory=lambda: [200])
    secrets: dict[str, str] = field(default_factory=dict)
    clock: object = time.time
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/shoken?source=test"

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            assert time.monotonic() < deadline, f"the receiver got {len(self.received)} of {count} requests"
            time.sleep(0.02)


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            header = self.headers.get("Shoken-Signature", "")
            now = receiver.clock()
            checked = {label: verify(header, body, secret, now=now) for label, secret in receiver.secrets.items()}
            with receiver.lock:
                receiver.received.append(Received(self.path, dict(self.headers.items()), body, checked))
                index = min(len(receiver.received), len(receiver.statuses)) - 1
                status = receiver.statuses[index]
            answer = f"status {status}".encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def emit(type: str = EventType.KYC_DECIDED, *, key: str, organization_id: int | None, data: dict | None = None
         ) -> Event:
    """One event, as a deciding service writes it (in its transaction)."""
    with transaction.atomic():
        event_emit(type=type, key=key, organization_id=organization_id, data=data or {"review": 1})
    return Event.objects.get(key=key)


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    return client
