"""`action.failed` (core.events): an outbox action failing for good writes one event (entry id,
kind, token action, security, error code) for the issuer's organization of the security it is
about, in the deciding transaction: refused when sent (retries.entry_fail), dead-lettered, or
reverted in its block (the confirmer, on the session's anvil). An operator's retry that fails
again is a new event; a repeated report or a rolled-back failure writes none."""

from __future__ import annotations

import pytest

from chain import events
from chain.confirmer import confirm_sweep
from chain.relay import relay_sweep
from chain.retries import DEAD_LETTER, entry_fail, entry_retry_later
from chain.services import outbox_retry
from core.models import Event, OutboxEntry
from issuance.tests.factories import IssuerFactory, SecurityFactory

from .conftest import new_wallet, put, register_wallet_payload, settle
from .test_relay_token_deploy_and_mint import DEPLOY


def _failed():
    return list(Event.objects.filter(type="action.failed").order_by("id").values_list("key", "organization_id",
                                                                                       "data"))


@pytest.fixture
def paused(db, issuer_org):
    bond = SecurityFactory(issuer=IssuerFactory(organization=issuer_org))
    return bond, put("token.pause", {"security_id": bond.pk}, f"pause:{bond.pk}")


def test_a_refused_action_then_its_failed_retry_emit_one_event_each(paused, issuer_org, operator):
    bond, entry = paused
    entry_fail(entry.pk, code="TokenPaused", message="TokenPaused(): the token is paused")
    entry_fail(entry.pk, code="TokenPaused", message="reported again")       # no longer pending: nothing
    outbox_retry(entry=entry, actor=operator)
    entry_fail(entry.pk, code="TokenPaused", message="TokenPaused(): the token is paused")
    data = {"outbox_entry": entry.pk, "kind": "token.pause", "token_action": None, "security": bond.pk,
            "error_code": "TokenPaused"}
    assert _failed() == [(f"action.failed:{entry.pk}:1", issuer_org.pk, data),
                         (f"action.failed:{entry.pk}:2", issuer_org.pk, data)]


def test_a_dead_letter_emits_one_event(db, settings):
    settings.CHAIN_MAX_ATTEMPTS = 1
    entry = put("registry.register_wallet", register_wallet_payload(1, new_wallet()), "wallet:1:add")
    assert entry_retry_later(entry.pk, message="chain node unavailable") is True
    assert _failed() == [(f"action.failed:{entry.pk}:1", None,
                          {"outbox_entry": entry.pk, "kind": "registry.register_wallet", "token_action": None,
                           "security": None, "error_code": DEAD_LETTER})]


def test_a_rolled_back_failure_emits_nothing(paused, monkeypatch):
    _bond, entry = paused
    emit = events.action_failed

    def emit_then_fail(*args, **kwargs):
        emit(*args, **kwargs)
        raise RuntimeError("the deciding transaction fails after the event")

    monkeypatch.setattr(events, "action_failed", emit_then_fail)
    with pytest.raises(RuntimeError):
        entry_fail(entry.pk, code="TokenPaused", message="TokenPaused(): the token is paused")
    assert _failed() == []
    assert OutboxEntry.objects.get(pk=entry.pk).status == OutboxEntry.Status.PENDING


def test_a_tx_reverted_in_its_block_emits_one_event(db, backend, registry, no_automine):
    wallet = new_wallet()
    put("registry.register_wallet", register_wallet_payload(1, wallet), "wallet:1:add")
    put("token.deploy", {**DEPLOY, "rules": {}}, "offering:41:deploy")
    no_automine.rpc("evm_setAutomine", [True])
    settle(backend)
    no_automine.rpc("evm_setAutomine", [False])
    freeze = put("token.freeze_wallet", {"security_id": 41, "wallet": wallet, "frozen": True}, "action:1")
    relay_sweep(backend=backend)          # in the pool, not mined: the mint still estimates fine
    mint = put("token.mint", {"security_id": 41, "wallet": wallet, "amount": "5"}, "action:2")
    OutboxEntry.objects.filter(pk=freeze.pk).update(status="confirmed")  # hide the predecessor rule
    relay_sweep(backend=backend)
    OutboxEntry.objects.filter(pk=freeze.pk).update(status="submitted")
    no_automine.rpc("evm_mine")
    confirm_sweep(backend=backend)
    confirm_sweep(backend=backend)        # decided already: nothing new
    assert _failed() == [(f"action.failed:{mint.pk}:1", None,     # security 41 is not in the register here
                          {"outbox_entry": mint.pk, "kind": "token.mint", "token_action": None, "security": 41,
                           "error_code": "WalletFrozen"})]
