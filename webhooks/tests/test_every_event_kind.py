"""End to end: every kind of event reaches an operator's platform endpoint, signed.

One platform endpoint (organization None, every type) registered through endpoint_create; a
real HTTP receiver on 127.0.0.1 that checks each request's HMAC-SHA256 signature over
f"{timestamp}.{raw body}" with the secret endpoint_create showed once, and the timestamp;
every event produced by the real business actions on the session's anvil (a KYC decision, a
trade and a subscription paid by delivery versus payment, a coupon paid in the cash token, a
mint the contract refuses, a mint made outside the platform that the reconciler finds); the
fan-out kicked after each commit (settings.EVENTS_AFTER_COMMIT) and the deliveries sent by a
real Celery worker on this test's own queue. The receiver gets one verified delivery per event,
each event id once, and the seven types among them."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
import time
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from accounts.models import Role
from chain.reconciler import reconcile_run
from chain.tests.conftest import backend, chain_settings, new_wallet, put, registry, settle  # noqa: F401
from chain.tests.test_settlement_dvp import _submitted, _token, chain_market  # noqa: F401
from compliance.services import review_approve
from compliance.tests.factories import KycReviewFactory
from config.celery import app as celery_app
from core.events import EventType
from core.models import Event
from issuance.models import Security, SettlementMode, Subscription
from issuance.tests.factories import OfferingFactory, SubscriptionFactory
from ledger.services import settlement_authorize, subscription_pay
from ledger.settlement_selectors import settlement_typed_data
from ledger.tests.dvp import BUYER_KEY, TREASURY_KEY, investor_with_key, sign
from servicing.services.payments import payment_run
from servicing.tests.paying import recorded_action
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = f"test-webhooks-{os.environ.get('TEST_DB_NAME', 'test')}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
TOLERANCE = 300   # seconds between the signature's timestamp and the receiver's clock


class SigningReceiver:
    """An HTTP server on 127.0.0.1 that accepts a POST only when its signature checks out, by its
    own check (webhooks/tests/conftest.py's `receiver` checks with webhooks.signing.verify)."""

    def __init__(self) -> None:
        self.secret = ""
        self.received: list[dict] = []       # every request: its event id and type, and whether it verified
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                verified = receiver.verified(self.headers, body)
                with receiver.lock:
                    receiver.received.append({"id": self.headers.get("Shoken-Event-Id"),
                                              "type": self.headers.get("Shoken-Event-Type"), "verified": verified})
                self.send_response(200 if verified else 400)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/shoken"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def verified(self, headers, body: bytes) -> bool:
        """The receiver's own check, written from the documented scheme (not webhooks.signing)."""
        parts = [item.strip().split("=", 1) for item in (headers.get("Shoken-Signature") or "").split(",")]
        stamps = [value for key, value in parts if key == "t"]
        if len(stamps) != 1 or not stamps[0].isdigit() or stamps[0] != headers.get("Shoken-Timestamp"):
            return False
        if abs(time.time() - int(stamps[0])) > TOLERANCE:
            return False
        expected = hmac.new(self.secret.encode(), stamps[0].encode() + b"." + body, hashlib.sha256).hexdigest()
        if not any(key == "v1" and hmac.compare_digest(expected, value) for key, value in parts):
            return False
        event = json.loads(body)
        return (event["id"], event["type"]) == (headers.get("Shoken-Event-Id"), headers.get("Shoken-Event-Type"))

    def delivered(self) -> list[dict]:
        with self.lock:
            return list(self.received)


@pytest.fixture
def signed_receiver():
    found = SigningReceiver()
    found.thread.start()
    try:
        yield found
    finally:
        found.server.shutdown()
        found.server.server_close()


def _wait_for(receiver: SigningReceiver, expected: set[str], *, timeout: float = 90.0) -> list[dict]:
    """Poll until every event in `expected` (uids) has a verified delivery, or the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        got = receiver.delivered()
        if expected <= {r["id"] for r in got if r["verified"]} or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def _pay_a_subscription_by_dvp(m, backend) -> None:      # noqa: F811 (backend: the chain fixture)
    """The buyer pays a signed subscription of 3 units (3,000 JPY of the 4,000 the trade left) in the
    cash token; the chain settles it."""
    treasury, _wallet = investor_with_key("treasury@example.test", TREASURY_KEY, role=Role.TREASURY)
    settle(backend)                                      # the treasury wallet in the registry
    issuer = m.bond.issuer
    issuer.treasury = treasury
    issuer.save(update_fields=["treasury"])
    offering = OfferingFactory(security=m.bond, documents=False, settlement_mode=SettlementMode.DVP)
    subscription = SubscriptionFactory(offering=offering, investor=m.buyer, units=3, amount=Decimal("3000"),
                                       status=Subscription.Status.SIGNED)
    settlement = subscription_pay(subscription=subscription, wallet=m.buyer_wallet, actor=m.buyer)
    settlement_authorize(settlement=settlement, signature=sign(settlement_typed_data(settlement), BUYER_KEY),
                         actor=m.buyer)
    settle(backend)


def _pay_a_coupon(m, backend, approver) -> None:         # noqa: F811
    """A recorded coupon of the bond paid from the issuer's treasury in the cash token."""
    Security.objects.filter(pk=m.cash.pk).update(deploy_requested_at=timezone.now())
    action = recorded_action(m.bond, approver=approver, nets={m.seller_wallet.address: Decimal("600"),
                                                              m.buyer_wallet.address: Decimal("900")})
    assert len(payment_run(action=action)) == 1
    settle(backend)


def test_every_event_kind_reaches_a_platform_endpoint_signed(chain_market, backend, operator,  # noqa: F811
                                                              compliance_officer, signed_receiver, settings):
    m, receiver = chain_market, signed_receiver
    _endpoint, receiver.secret = endpoint_create(actor=operator, url=receiver.url, event_types=list(EventType.values),
                                                 description="every kind")
    settings.EVENTS_AFTER_COMMIT = "webhooks.tasks.fan_out_kick"
    settings.WEBHOOK_KICK_QUEUE = QUEUE
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30, queues=[QUEUE]):
        review = KycReviewFactory()
        review_approve(review_id=review.pk, reason="Documents verified", actor=compliance_officer)   # kyc.decided
        _submitted(m)
        settle(backend)                                  # trade.settled
        _pay_a_subscription_by_dvp(m, backend)           # subscription.changed, settlement.settled
        _pay_a_coupon(m, backend, compliance_officer)    # payment_run.paid
        put("token.mint", {"security_id": m.bond.pk, "wallet": new_wallet(), "amount": "5"}, "e2e:mint")
        settle(backend)                                  # action.failed (WalletNotRegistered)
        backend.mint(_token(m.bond), ref=b"\x0e" * 32, to=m.seller_wallet.address, amount=3)
        reconcile_run(backend=backend)                   # break.found
        events = {str(uid): kind for uid, kind in Event.objects.values_list("uid", "type")}
        got = _wait_for(receiver, set(events))

    assert set(events.values()) == set(EventType.values)          # every kind happened...
    assert all(r["verified"] for r in got), [r for r in got if not r["verified"]]
    ids = [r["id"] for r in got]
    assert len(ids) == len(set(ids))                                # ...each event delivered once...
    assert {r["id"]: r["type"] for r in got} == events             # ...signed, with its own type
