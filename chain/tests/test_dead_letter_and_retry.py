"""After CHAIN_MAX_ATTEMPTS temporary failures an action goes to the dead letter; an operator
sees it and retries it (others may not), and it then goes through."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from chain.models import ChainTransaction
from chain.port import ChainUnavailable
from chain.relay import relay_sweep
from chain.retries import DEAD_LETTER, backoff_seconds, error_code
from chain.services import outbox_retry
from chain.web3_backend import Web3Backend
from core.errors import ConflictError, PermissionDeniedError
from core.models import AuditEvent, OutboxEntry

from .conftest import new_wallet, put, register_wallet_payload, settle


@pytest.fixture
def dead_letter(db, backend, registry, chain_settings):
    chain_settings.CHAIN_MAX_ATTEMPTS = 3
    entry = put("registry.register_wallet", register_wallet_payload(1, new_wallet()), "wallet:1:add")
    dead = Web3Backend("http://127.0.0.1:9", chain_settings.CHAIN_SIGNER_KEY, timeout=1)
    for _ in range(3):
        OutboxEntry.objects.filter(pk=entry.pk).update(available_at=timezone.now())
        with pytest.raises(ChainUnavailable):
            relay_sweep(backend=dead)
    entry.refresh_from_db()
    return entry


def test_after_max_attempts_the_action_is_a_dead_letter(dead_letter):
    assert dead_letter.status == OutboxEntry.Status.FAILED and dead_letter.attempts == 3
    assert error_code(dead_letter.last_error) == DEAD_LETTER
    assert AuditEvent.objects.filter(action="chain.dead_letter", object_id=str(dead_letter.pk)).exists()
    assert not ChainTransaction.objects.exists()


def test_backoff_grows_and_is_jittered(settings):
    settings.CHAIN_RETRY_BASE_SECONDS, settings.CHAIN_RETRY_MAX_SECONDS = 2, 60
    assert 1 <= backoff_seconds(1) <= 3 and 2 <= backoff_seconds(2) <= 6 and 8 <= backoff_seconds(4) <= 24
    assert backoff_seconds(20) <= 90
    assert len({backoff_seconds(3) for _ in range(20)}) > 1


def test_operator_retries_a_dead_letter_and_it_goes_through(dead_letter, operator, backend):
    entry = outbox_retry(entry=dead_letter, actor=operator)
    assert (entry.status, entry.attempts, entry.last_error) == ("pending", 0, "")
    audit = AuditEvent.objects.get(action="chain.outbox_retried", object_id=str(entry.pk))
    assert audit.actor == operator and audit.old_values["last_error"].startswith("[dead_letter]")
    settle(backend)
    entry.refresh_from_db()
    assert entry.status == OutboxEntry.Status.CONFIRMED


def test_only_operators_retry_and_only_failed_actions(dead_letter, compliance_officer, operator):
    with pytest.raises(PermissionDeniedError):
        outbox_retry(entry=dead_letter, actor=compliance_officer)
    outbox_retry(entry=dead_letter, actor=operator)
    with pytest.raises(ConflictError):
        outbox_retry(entry=dead_letter, actor=operator)        # pending now, not failed


def test_operator_retries_from_the_page(dead_letter, operator, login_verified):
    client = login_verified(operator)
    page = client.get(reverse("chain:mirror")).content.decode()
    assert "Dead letter" in page and "wallet:1:add" in page
    response = client.post(reverse("chain:outbox-retry", args=[dead_letter.pk]))
    assert response.status_code == 302
    dead_letter.refresh_from_db()
    assert dead_letter.status == OutboxEntry.Status.PENDING


def test_a_non_operator_cannot_retry_from_the_page(dead_letter, compliance_officer, login_verified):
    client = login_verified(compliance_officer)
    response = client.post(reverse("chain:outbox-retry", args=[dead_letter.pk]))
    assert response.status_code == 403
    dead_letter.refresh_from_db()
    assert dead_letter.status == OutboxEntry.Status.FAILED
    assert AuditEvent.objects.filter(action="access_denied", actor=compliance_officer).exists()


def test_retry_without_the_csrf_token_is_refused(dead_letter, operator, login_verified, client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.cookies = login_verified(operator).cookies
    assert strict.post(reverse("chain:outbox-retry", args=[dead_letter.pk])).status_code == 403
    dead_letter.refresh_from_db()
    assert dead_letter.status == OutboxEntry.Status.FAILED
