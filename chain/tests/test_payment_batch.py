"""The paying agent's batches on the chain: a ``payment.batch`` is one ``batchPay`` of the cash
token from the paying wallet to many holders, a ``redemption.burn`` one ``batchBurn``; the
paying agent (servicing.services.payments.batch_decided) hears the verdict inside the deciding
transaction: confirmed with the hash, or refused with the decoded reason (at estimation or in
its block); a dead letter decides nothing; a decided batch is never sent again.

The token of ``mirrored_bond`` stands in for the cash token (a SecurityToken without rules, as
cash tokens are); the paying agent is a recorder here, so the register is not involved."""

from __future__ import annotations

import pytest
from django.db import transaction

from chain.batches import plan_batches
from chain.calls import build_call, payload_of
from chain.confirmer import confirm_sweep
from chain.models import ChainTransaction
from chain.port import ChainReverted, ContractCall
from chain.reconciler import token_actions_in_flight
from chain.relay import depends_on_group, predecessors_in_flight, relay_sweep
from chain.retries import entry_fail, entry_retry_later
from chain.services import outbox_retry
from chain.web3_backend import Web3Backend
from core.audit import AuditEvent
from core.errors import ApplicationError, ConflictError
from core.models import OutboxEntry
from investors.tests.factories import VERIFIED_INVESTOR_KEY
from servicing.services import payments

from .conftest import new_wallet, put, settle

A, B = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"


@pytest.fixture
def decided(monkeypatch):
    """servicing's batch_decided, recorded: [(batch_id, confirmed, tx_hash, reason, in a transaction)]."""
    calls: list[tuple] = []

    def batch_decided(*, batch_id, confirmed, tx_hash="", reason=""):
        calls.append((batch_id, confirmed, tx_hash, reason, transaction.get_connection().in_atomic_block))

    monkeypatch.setattr(payments, "batch_decided", batch_decided)
    return calls


def _pay(bond, *, wallets, amounts, batch_id=7, key="payment:1:1") -> OutboxEntry:
    return put("payment.batch", {"security_id": bond.security.pk, "batch_id": batch_id, "from_wallet": bond.first,
                                 "wallets": wallets, "amounts": [str(a) for a in amounts]}, key)


def test_a_payment_batch_pays_every_holder_in_one_transaction_and_the_paying_agent_hears_it(
        mirrored_bond, backend, decided):
    bond = mirrored_bond
    newcomer = new_wallet()
    put("registry.register_wallet", {"investor_id": 900, "wallet": newcomer, "country": 392, "kyc_expiry": 2**40 - 1,
                                     "accredited": False, "qualified": False}, "test:register:newcomer")
    entry = _pay(bond, wallets=[bond.second, newcomer], amounts=[30, 12])

    settle(backend)

    entry.refresh_from_db()
    [tx] = ChainTransaction.objects.filter(entry=entry)
    assert (entry.status, entry.tx_hash, tx.function) == ("confirmed", tx.tx_hash, "batchPay")
    assert decided == [(7, True, tx.tx_hash, "", True)]
    assert [backend.balance_of(bond.token, w) for w in (bond.first, bond.second, newcomer)] == [58, 80, 12]
    assert backend.total_supply(bond.token) == 150
    # The same ref twice is refused by the token: a replayed batch never pays twice.
    call = build_call(payload=payload_of(entry), idempotency_key=entry.idempotency_key,
                      step=0, chain_id=backend.chain_id(), signer=backend.address)
    [refused] = backend.estimate_gas_many([call])
    assert isinstance(refused, ChainReverted) and refused.code == "RefAlreadyUsed"


def test_a_batch_refused_at_estimation_fails_with_the_decoded_reason_and_no_transaction(
        mirrored_bond, backend, decided):
    bond = mirrored_bond
    stranger = new_wallet()   # not in the registry
    entry = _pay(bond, wallets=[bond.second, stranger], amounts=[1, 1])

    relay_sweep(backend=backend)

    entry.refresh_from_db()
    assert entry.status == "failed" and entry.last_error.startswith("[WalletNotRegistered] ")
    assert not ChainTransaction.objects.filter(entry=entry).exists()
    [(batch_id, confirmed, tx_hash, reason, atomic)] = decided
    assert (batch_id, confirmed, tx_hash, atomic) == (7, False, "", True)
    assert reason.startswith(f"WalletNotRegistered(wallet={stranger})")
    assert [backend.balance_of(bond.token, w) for w in (bond.first, bond.second)] == [100, 50]


def test_a_batch_that_reverts_in_its_block_fails_with_the_contract_error(
        mirrored_bond, backend, decided, chain_snapshot, no_automine):
    bond = mirrored_bond
    entry = _pay(bond, wallets=[bond.second], amounts=[60])
    relay_sweep(backend=backend)                         # estimated while the paying wallet had the cash
    assert OutboxEntry.objects.get(pk=entry.pk).status == "submitted"
    payer = Web3Backend(chain_snapshot.rpc_url, VERIFIED_INVESTOR_KEY)   # it spends it first, higher tip
    max_fee, priority = backend.suggest_fees()
    signed = payer.build_and_sign(ContractCall("SecurityToken", "transfer", (bond.second, 50), bond.token),
                                  nonce=payer.next_nonce(), gas=200_000, max_fee_per_gas=max_fee * 4,
                                  max_priority_fee_per_gas=max(priority * 4, 10**9))
    payer.broadcast(signed.raw)
    chain_snapshot.rpc("evm_mine")

    confirm_sweep(backend=backend)

    entry.refresh_from_db()
    [tx] = ChainTransaction.objects.filter(entry=entry)
    assert entry.status == "failed" and entry.last_error.startswith("[InsufficientFreeBalance] ")
    [(batch_id, confirmed, tx_hash, reason, atomic)] = decided
    assert (batch_id, confirmed, tx_hash, atomic) == (7, False, tx.tx_hash, True)
    assert reason.startswith("InsufficientFreeBalance(") and "free (unfrozen) balance" in reason
    assert [backend.balance_of(bond.token, w) for w in (bond.first, bond.second)] == [50, 100]


def test_a_redemption_burn_burns_every_holders_units_while_the_token_is_paused(mirrored_bond, backend, decided):
    bond = mirrored_bond
    put("token.pause", {"security_id": bond.security.pk}, "test:pause:record")
    put("token.freeze_tokens", {"security_id": bond.security.pk, "wallet": bond.second, "amount": "20"},
        "test:freeze:second")
    entry = put("redemption.burn", {"security_id": bond.security.pk, "batch_id": 8,
                                    "wallets": [bond.first, bond.second], "amounts": ["100", "50"]}, "burn:1:1")

    settle(backend)

    entry.refresh_from_db()
    assert entry.status == "confirmed" and decided == [(8, True, entry.tx_hash, "", True)]
    assert backend.total_supply(bond.token) == 0 and backend.frozen_balance_of(bond.token, bond.second) == 0


# ---------------------------------------------------------------- without a chain

def test_a_payment_batch_goes_alone_after_what_is_in_flight_on_its_cash_token(db):
    mint = put("token.mint", {"security_id": 4, "wallet": A, "amount": "9"}, "test:cash:1")
    pay = put("payment.batch", {"security_id": 4, "batch_id": 1, "from_wallet": A, "wallets": [B],
                                "amounts": ["5"]}, "payment:1:1")
    later = put("token.mint", {"security_id": 4, "wallet": B, "amount": "2"}, "test:cash:2")
    burn = put("redemption.burn", {"security_id": 3, "batch_id": 2, "wallets": [B], "amounts": ["1"]}, "burn:2:1")
    other = put("token.mint", {"security_id": 5, "wallet": A, "amount": "2"}, "test:other:1")

    assert depends_on_group(pay, [mint]) and depends_on_group(later, [pay])
    assert not depends_on_group(other, [pay]) and not depends_on_group(burn, [pay])
    assert predecessors_in_flight(pay)          # the deposit's mint first
    assert token_actions_in_flight(4) and token_actions_in_flight(3)   # the reconciler waits (held cash)
    assert plan_batches([mint.pk, pay.pk, later.pk, burn.pk, other.pk]) == [
        [mint.pk], [pay.pk], [later.pk], [burn.pk], [other.pk]]


def test_a_refused_batch_is_never_sent_again_but_a_dead_letter_is(db, operator, decided, settings):
    refused = put("payment.batch", {"security_id": 4, "batch_id": 1, "from_wallet": A, "wallets": [B],
                                    "amounts": ["5"]}, "payment:1:1")
    entry_fail(refused.pk, code="TokenPaused", message="TokenPaused(): the token is paused")
    assert decided[-1][:4] == (1, False, "", "TokenPaused(): the token is paused")
    with pytest.raises(ConflictError) as conflict:
        outbox_retry(entry=refused, actor=operator)
    assert conflict.value.code == "payment_decided"

    settings.CHAIN_MAX_ATTEMPTS = 1
    lost = put("redemption.burn", {"security_id": 3, "batch_id": 2, "wallets": [B], "amounts": ["1"]}, "burn:2:1")
    assert entry_retry_later(lost.pk, message="chain node unavailable") is True
    assert len(decided) == 1                    # a dead letter decides nothing
    assert outbox_retry(entry=lost, actor=operator).status == "pending"


def test_a_refusal_by_the_paying_agent_does_not_undo_the_chains_verdict(db, monkeypatch, decided):
    def refuse(**kwargs):
        raise ApplicationError("the batch is not submitted", code="invalid_transition")

    monkeypatch.setattr(payments, "batch_decided", refuse)
    entry = put("payment.batch", {"security_id": 4, "batch_id": 3, "from_wallet": A, "wallets": [B],
                                  "amounts": ["5"]}, "payment:3:1")

    entry_fail(entry.pk, code="TokenPaused", message="TokenPaused(): the token is paused")

    assert OutboxEntry.objects.get(pk=entry.pk).status == "failed"
    assert AuditEvent.objects.filter(action="chain.batch_outcome_refused", object_id=str(entry.pk)).exists()
