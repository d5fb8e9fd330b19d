"""Idempotency-Key on API writes (issue 17, core/idempotency.py), through real endpoints of
several apps: an issuer's offering (issuance), an investor's wallet removal (investors), a KYC
decision (compliance, with a real API token) and a settlement (ledger). The same request under
a key answers what the first one answered and does nothing twice; another request under it is a
422; a request under a key still running is a 409; malformed keys are 400s; keys are per user;
5xx answers, and refusals before the view runs, are not kept."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.db import connections

from accounts.tests.helpers import api_token_for
from core import idempotency
from core.models import AuditEvent, IdempotencyKey
from issuance.models import Offering
from issuance.tests.factories import IssuerFactory, OfferingFactory, SecurityFactory, SubscriptionFactory
from ledger.models import TokenAction
from ledger.tests.api_client import Api

OFFERINGS = "/api/issuance/offerings/"
OFFERING = {"title": "Keyed offering", "currency": "USD", "price": "99.50", "min_subscription": "1",
            "max_subscription": "10", "target": "50", "hard_cap": "100", "opens_on": "2026-05-01",
            "closes_on": "2026-06-30"}


@pytest.fixture
def api():
    return Api()


@pytest.fixture
def bond(issuer_org, issuer_admin):
    return SecurityFactory(issuer=IssuerFactory(organization=issuer_org), created_by=issuer_admin,
                           name="Sakura Green Bond 2031", symbol="SGB31")


def _raw(bond, **changes) -> bytes:
    return json.dumps({**OFFERING, "security": bond.pk, **changes}).encode()


def _create(api, body: bytes, key: str | None = "order-1", path: str = OFFERINGS):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return api.generic("POST", path, body, content_type="application/json", **headers)


def _print(user, body: bytes, path: str = OFFERINGS) -> str:
    return idempotency.fingerprint(method="POST", full_path=path, user_id=user.pk,
                                   body_sha256=hashlib.sha256(body).hexdigest())


# --- replay --------------------------------------------------------------------------------

def test_the_same_offering_request_replayed_answers_the_first_answer_and_creates_one(api, issuer_member, bond):
    api.force_authenticate(issuer_member)
    body = _raw(bond)

    first = _create(api, body)
    again = _create(api, body)

    assert first.status_code == again.status_code == 201, first.json()
    assert again.content == first.content and again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert again["Content-Type"] == first["Content-Type"] == "application/json"
    assert Offering.objects.filter(title="Keyed offering").count() == 1
    assert AuditEvent.objects.filter(action="offering.created").count() == 1
    row = IdempotencyKey.objects.get()
    assert (row.user_id, row.key, row.state, row.status_code) == (issuer_member.pk, "order-1", "done", 201)
    assert row.body.startswith("fernet:") and "Keyed offering" not in row.body   # encrypted at rest


def test_without_a_key_each_request_runs(api, issuer_member, bond):
    api.force_authenticate(issuer_member)

    assert _create(api, _raw(bond), key=None).status_code == _create(api, _raw(bond), key=None).status_code == 201

    assert Offering.objects.filter(title="Keyed offering").count() == 2 and not IdempotencyKey.objects.exists()


def test_the_key_with_another_body_or_path_is_a_422(api, issuer_member, bond):
    api.force_authenticate(issuer_member)
    _create(api, _raw(bond))

    other_body = _create(api, _raw(bond, title="Another offering"))
    other_path = _create(api, _raw(bond), path=f"{OFFERINGS}?x=1")

    for refused in (other_body, other_path):
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "idempotency_key_reused"
    assert Offering.objects.count() == 1


def test_another_users_same_key_is_their_own(api, issuer_member, issuer_admin, bond):
    api.force_authenticate(issuer_member)
    mine = _create(api, _raw(bond))
    api.force_authenticate(issuer_admin)
    theirs = _create(api, _raw(bond))

    assert mine.status_code == theirs.status_code == 201 and mine.json()["id"] != theirs.json()["id"]
    assert "Idempotent-Replayed" not in theirs and Offering.objects.count() == 2


def test_a_refusal_by_the_view_is_kept_and_replayed(api, issuer_member, bond):
    """The operation ran and said no (closes before it opens): its answer is the answer to that
    request; the corrected request needs a new key."""
    api.force_authenticate(issuer_member)
    bad = _raw(bond, closes_on="2026-04-01")

    first = _create(api, bad)
    again = _create(api, bad)
    corrected = _create(api, _raw(bond))

    assert first.status_code == again.status_code == 400 and again.content == first.content
    assert first.json()["error"]["code"] == "closes_before_opens" and again["Idempotent-Replayed"] == "true"
    assert corrected.status_code == 422 and not Offering.objects.exists()


def test_a_refusal_before_the_view_runs_frees_the_key(api, issuer_member, bond):
    """A body that is not JSON is refused while parsing, before the claim: the key stays free."""
    api.force_authenticate(issuer_member)

    malformed = _create(api, b"{not json")
    fixed = _create(api, _raw(bond))

    assert malformed.status_code == 400 and fixed.status_code == 201 and "Idempotent-Replayed" not in fixed


def test_an_anonymous_write_is_not_covered(api, issuer_member, bond):
    refused = _create(api, _raw(bond))

    assert refused.status_code in (401, 403) and not IdempotencyKey.objects.exists()


# --- bad keys ------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["", "x" * 129, "has space", "キー", "tab\tkey", " lead"])
def test_a_malformed_key_is_a_400(api, issuer_member, bond, key):
    api.force_authenticate(issuer_member)

    refused = _create(api, _raw(bond), key=key)

    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_idempotency_key"
    assert "Idempotency-Key" in refused.json()["error"]["fields"]
    assert not Offering.objects.exists() and not IdempotencyKey.objects.exists()


def test_the_longest_key_is_taken(api, issuer_member, bond):
    api.force_authenticate(issuer_member)

    assert _create(api, _raw(bond), key="~" * 128).status_code == 201


# --- 5xx -----------------------------------------------------------------------------------

def test_a_5xx_is_not_kept_and_the_retry_runs(api, issuer_member, bond, monkeypatch):
    from issuance import services

    real = services.offering_create

    def broken(**kwargs):
        raise RuntimeError("database went away")

    api.force_authenticate(issuer_member)
    api.raise_request_exception = False
    monkeypatch.setattr(services, "offering_create", broken)
    failed = _create(api, _raw(bond))
    monkeypatch.setattr(services, "offering_create", real)
    retried = _create(api, _raw(bond))

    assert failed.status_code == 500 and not IdempotencyKey.objects.filter(state="running").exists()
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried
    assert Offering.objects.count() == 1


# --- running claims --------------------------------------------------------------------------

@pytest.fixture
def other_session():
    """A second database session, as another web worker would hold."""
    other = connections.create_connection("default")
    other.ensure_connection()
    yield other
    other.close()


def _claimed(user, key: str, body: bytes) -> IdempotencyKey:
    from django.utils import timezone

    now = timezone.now()
    return IdempotencyKey.objects.create(user=user, key=key, fingerprint=_print(user, body), method="POST",
                                         path=OFFERINGS, expires_at=now + idempotency.ttl())


def test_a_request_under_a_key_still_running_is_a_409(api, issuer_member, bond, other_session):
    body = _raw(bond)
    row = _claimed(issuer_member, "order-1", body)
    with other_session.cursor() as cursor:   # the worker running the first request holds the claim
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [idempotency._LOCK_CLASS, row.pk])
    api.force_authenticate(issuer_member)

    busy = _create(api, body)
    other = _create(api, _raw(bond, title="Another"))

    assert busy.status_code == 409 and busy.json()["error"]["code"] == "idempotency_key_in_progress"
    assert busy["Retry-After"] == "1"
    assert other.status_code == 422
    assert not Offering.objects.exists() and IdempotencyKey.objects.get().state == "running"


def test_a_claim_whose_worker_died_is_taken_over(api, issuer_member, bond):
    """Nobody holds the claim's lock (its worker's connection closed): the retry runs the view."""
    body = _raw(bond)
    _claimed(issuer_member, "order-1", body)
    api.force_authenticate(issuer_member)

    retried = _create(api, body)

    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried
    assert Offering.objects.count() == 1 and IdempotencyKey.objects.get().state == "done"


def test_an_expired_key_is_claimed_afresh(api, issuer_member, bond):
    api.force_authenticate(issuer_member)
    _create(api, _raw(bond))
    IdempotencyKey.objects.update(expires_at=IdempotencyKey.objects.get().created_at)

    other = _create(api, _raw(bond, title="A month later"))

    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    assert Offering.objects.count() == 2 and IdempotencyKey.objects.get().status_code == 201


# --- other apps ------------------------------------------------------------------------------

def test_a_wallet_removal_replayed_answers_204_again(api, verified_investor):
    from investors.models import Wallet

    wallet = Wallet.objects.get(profile__user=verified_investor)
    api.force_authenticate(verified_investor)
    url = f"/api/investors/wallets/{wallet.pk}/"

    first = api.delete(url, HTTP_IDEMPOTENCY_KEY="remove-1")
    audited = AuditEvent.objects.count()
    again = api.delete(url, HTTP_IDEMPOTENCY_KEY="remove-1")
    unkeyed = api.delete(url)

    assert first.status_code == again.status_code == 204 and again["Idempotent-Replayed"] == "true"
    assert again.content == b"" and "Content-Type" not in again
    assert unkeyed.status_code in (404, 409)   # without the key, the second removal is refused
    assert Wallet.objects.get(pk=wallet.pk).status == "removed" and audited > 0
    assert AuditEvent.objects.exclude(action="access_denied").count() == audited


def test_a_kyc_decision_over_a_token_is_taken_once(compliance_officer):
    """A high-risk case: the same officer's second approval would be a four-eyes refusal; the
    retried request under the key gets the first answer instead."""
    from rest_framework.test import APIClient

    from compliance.models import KycReview
    from compliance.tests.factories import KycReviewFactory

    review = KycReviewFactory(risk="high", risk_reasons=["flagged_country:IR"])
    officer = APIClient()
    officer.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(compliance_officer)}")
    url = f"/api/compliance/reviews/{review.pk}/approve/"
    audited = AuditEvent.objects.count()

    first = officer.post(url, {"reason": "ok"}, format="json", HTTP_IDEMPOTENCY_KEY="approve-7")
    after_first = AuditEvent.objects.count()
    again = officer.post(url, {"reason": "ok"}, format="json", HTTP_IDEMPOTENCY_KEY="approve-7")
    after_again = AuditEvent.objects.count()
    unkeyed = officer.post(url, {"reason": "ok"}, format="json")

    assert first.status_code == again.status_code == 200 and again.json() == first.json()
    assert first.json()["status"] == "awaiting_second" and again["Idempotent-Replayed"] == "true"
    assert after_first > audited and after_again == after_first
    assert unkeyed.status_code == 400 and unkeyed.json()["error"]["code"] == "four_eyes_same_officer"
    assert KycReview.objects.get(pk=review.pk).status == "awaiting_second"


def test_a_session_caller_is_covered_too(login_verified, compliance_officer):
    from compliance.tests.factories import KycReviewFactory

    review = KycReviewFactory()
    client = login_verified(compliance_officer)
    url = f"/api/compliance/reviews/{review.pk}/request-info/"

    first = client.post(url, {"reason": "Send a clearer passport scan."}, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="ask-1")
    again = client.post(url, {"reason": "Send a clearer passport scan."}, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="ask-1")

    assert first.status_code == again.status_code == 200 and again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert IdempotencyKey.objects.get().user_id == compliance_officer.pk


def test_a_settlement_replayed_settles_once(api, issuer_admin, bond, verified_investor):
    subscription = SubscriptionFactory(offering=OfferingFactory(security=bond, documents=False),
                                       investor=verified_investor, units=5, status="ready_to_settle")
    api.force_authenticate(issuer_admin)
    body = {"subscriptions": [subscription.pk]}

    first = api.post("/api/ledger/settle/", body, format="json", HTTP_IDEMPOTENCY_KEY="settle-1")
    again = api.post("/api/ledger/settle/", body, format="json", HTTP_IDEMPOTENCY_KEY="settle-1")

    assert first.status_code == again.status_code == 201, first.json()
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert TokenAction.objects.filter(security=bond).count() == 1


def test_the_ledgers_keyed_actions_keep_their_own_keys(api, issuer_admin, bond, verified_investor):
    """Issue, transfer, redeem and holding transfers record the client's key on the TokenAction
    (ledger.services.client_keys): another request under it stays a 409 idempotency_conflict,
    and core keeps no row for them."""
    from investors.models import Wallet

    wallet = Wallet.objects.get(profile__user=verified_investor)
    api.force_authenticate(issuer_admin)
    url = f"/api/ledger/securities/{bond.pk}/issue/"

    first = api.post(url, {"wallet": wallet.address, "amount": "3"}, format="json", HTTP_IDEMPOTENCY_KEY="mint-1")
    other = api.post(url, {"wallet": wallet.address, "amount": "4"}, format="json", HTTP_IDEMPOTENCY_KEY="mint-1")

    assert first.status_code == 201 and other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_conflict" and not IdempotencyKey.objects.exists()


def test_an_answer_carrying_a_secret_is_never_kept(issuer_admin):
    """A webhook endpoint's creation answers its signing secret once: the key is not covered
    there (idempotency = "none"), so the secret never lands in the key's stored answer."""
    from rest_framework.test import APIClient

    from webhooks.models import WebhookEndpoint

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(issuer_admin)}")
    body = {"url": "http://127.0.0.1:9/hook", "event_types": ["subscription.changed"]}

    first = client.post("/api/webhooks/endpoints/", body, format="json", HTTP_IDEMPOTENCY_KEY="hook-1")
    rotated = client.post(f"/api/webhooks/endpoints/{first.json()['id']}/rotate/", HTTP_IDEMPOTENCY_KEY="hook-2")

    assert first.status_code == 201 and first.json()["secret"] and rotated.status_code == 200
    assert "Idempotent-Replayed" not in rotated and not IdempotencyKey.objects.exists()
    assert WebhookEndpoint.objects.count() == 1


def test_the_refusals_speak_japanese(api, issuer_member, bond):
    api.force_authenticate(issuer_member)
    _create(api, _raw(bond))

    reused = api.generic("POST", OFFERINGS, _raw(bond, title="Other"), content_type="application/json",
                         HTTP_IDEMPOTENCY_KEY="order-1", HTTP_ACCEPT_LANGUAGE="ja")
    malformed = api.generic("POST", OFFERINGS, _raw(bond), content_type="application/json",
                            HTTP_IDEMPOTENCY_KEY="a b", HTTP_ACCEPT_LANGUAGE="ja")

    assert reused.json()["error"]["message"].startswith("この冪等キーは別のリクエストですでに使われています。")
    assert malformed.json()["error"]["message"].startswith("冪等キーは1〜128文字")


def test_an_upload_is_fingerprinted_by_its_raw_body(api, unverified_investor, settings, tmp_path):
    """A multipart upload's raw bytes are what is hashed: the same bytes replay, another file
    under the key is a 422, and only one document is stored."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from investors.models import KycDocument
    from investors.tests.factories import PDF_BYTES

    settings.MEDIA_ROOT = tmp_path / "media"
    api.force_authenticate(unverified_investor)

    def upload(content: bytes):
        file = SimpleUploadedFile("p.pdf", content, content_type="application/pdf")
        return api.post("/api/investors/documents/", {"kind": "passport", "file": file}, format="multipart",
                        HTTP_IDEMPOTENCY_KEY="scan-1")

    first, again, other = upload(PDF_BYTES), upload(PDF_BYTES), upload(PDF_BYTES + b"%extra\n")

    assert first.status_code == again.status_code == 201 and again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert KycDocument.objects.filter(profile__user=unverified_investor).count() == 1
