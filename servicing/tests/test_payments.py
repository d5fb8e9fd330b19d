"""The payment run on chain, register side (chain/ calls batch_decided; here the tests call it
directly): the hold, the batches, the move on confirmation, the release on a revert, each line
paid exactly once, and the funds-short notice."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction

from core.audit import AuditEvent
from core.clock import business_date_shift, business_today
from core.errors import ApplicationError, ConflictError
from investors.models import Wallet
from ledger.invariants import check_invariants
from ledger.models import ControlBook, TokenAction
from servicing.models import CorporateAction, EntitlementLine, PaymentBatch
from servicing.services.payments import batch_decided, payment_run

from .conftest import treasury_fund, wallet_of
from .paying import balance, payload_of, recorded_action

L = EntitlementLine.Status


@pytest.fixture
def paying(bond_held, cash_jpy, servicing_issuer, issuer_admin, cash_agent, compliance_officer):
    """The bond's coupon recorded and approved (10,000 / 20,000 / 30,000 JPY net), the JPY cash
    token deployed, the issuer's treasury holding 100,000 JPY."""
    treasury_fund(servicing_issuer, "100000", admin=issuer_admin, agent=cash_agent)
    action = recorded_action(bond_held, approver=compliance_officer)
    treasury = wallet_of(servicing_issuer.treasury).address
    return action, cash_jpy.security, treasury


def decide(batch, *, confirmed=True, tx_hash="0x" + "ab" * 32, reason=""):
    with transaction.atomic():
        return batch_decided(batch_id=batch.pk, confirmed=confirmed, tx_hash=tx_hash, reason=reason)


def test_batches_hold_the_total_on_the_paying_account_and_submit_the_lines(paying, settings):
    action, cash, treasury = paying
    settings.SERVICING_BATCH_SIZE = 2
    batches = payment_run(action=action)
    assert [b.number for b in batches] == [1, 2]
    assert [b.line_count for b in batches] == [2, 1]
    assert [int(b.total) for b in batches] == [30000, 30000]
    assert balance(cash, treasury) == (100000, 60000)
    first = payload_of(batches[0])
    lines = list(action.lines.order_by("id"))
    assert first["from_wallet"] == treasury
    assert first["wallets"] == [lines[0].wallet, lines[1].wallet]
    assert first["amounts"] == ["10000", "20000"]
    assert first["batch_id"] == batches[0].pk
    assert batches[1].outbox.idempotency_key == f"payment:{action.pk}:2"
    assert set(action.lines.values_list("status", flat=True)) == {L.SUBMITTED}
    action.refresh_from_db()
    assert action.status == CorporateAction.Status.PAYING
    assert payment_run(action=action) == []       # nothing due any more: nothing new


def test_a_confirmed_batch_moves_the_cash_once(paying, holders):
    action, cash, treasury = paying
    [batch] = payment_run(action=action)
    decide(batch, tx_hash="0x" + "cd" * 32)
    assert balance(cash, treasury) == (40000, 0)
    assert balance(cash, holders.jp_wallet.address) == (10000, 0)
    assert balance(cash, holders.corp_wallet.address) == (20000, 0)
    assert balance(cash, holders.us_wallet.address) == (30000, 0)
    payments = TokenAction.objects.filter(kind=TokenAction.Kind.PAYMENT, security=cash)
    assert payments.count() == 3
    assert set(payments.values_list("outbox_id", flat=True)) == {batch.outbox_id}
    assert set(action.lines.values_list("status", "paid_reference")) == {(L.PAID, "0x" + "cd" * 32)}
    action.refresh_from_db()
    assert action.status == CorporateAction.Status.PAID and action.paid_at is not None
    assert decide(batch) is None                 # the chain reports it again: nothing changes
    assert decide(batch, confirmed=False, reason="late revert") is None
    assert balance(cash, treasury) == (40000, 0)
    assert balance(cash, holders.us_wallet.address) == (30000, 0)
    assert payments.count() == 3
    assert check_invariants(security=cash) == []


def test_a_failed_batch_releases_the_hold_and_the_next_batch_pays_each_line_once(paying, holders, settings):
    settings.SERVICING_RETRY_SECONDS = 0
    action, cash, treasury = paying
    [failed] = payment_run(action=action)
    decide(failed, confirmed=False, reason="WalletNotRegistered(0x12)")
    failed.refresh_from_db()
    assert failed.status == PaymentBatch.Status.FAILED and failed.failure == "WalletNotRegistered(0x12)"
    assert balance(cash, treasury) == (100000, 0)
    assert set(action.lines.values_list("status", flat=True)) == {L.DUE}
    [retry] = payment_run(action=action)
    assert retry.number == 2 and retry.outbox.idempotency_key == f"payment:{action.pk}:2"
    decide(retry)
    assert decide(failed, confirmed=True) is None     # a stale verdict on the failed one changes nothing
    assert balance(cash, holders.jp_wallet.address) == (10000, 0)
    assert balance(cash, holders.us_wallet.address) == (30000, 0)
    assert balance(cash, treasury) == (40000, 0)
    assert TokenAction.objects.filter(kind=TokenAction.Kind.PAYMENT).count() == 3


def test_after_a_failure_the_sweep_waits_before_trying_again(paying, operator, settings):
    settings.SERVICING_RETRY_SECONDS = 3600
    action, _cash, _treasury = paying
    [failed] = payment_run(action=action)
    decide(failed, confirmed=False, reason="reverted")
    assert payment_run(action=action) == []
    with pytest.raises(ConflictError) as error:
        payment_run(action=action, actor=operator)
    assert error.value.code == "retry_later"


def test_short_funds_pay_nothing_and_tell_the_issuer_and_operators_once_a_day(
        bond_held, cash_jpy, servicing_issuer, issuer_admin, cash_agent, compliance_officer, operator):
    treasury_fund(servicing_issuer, "50000", admin=issuer_admin, agent=cash_agent)
    action = recorded_action(bond_held, approver=compliance_officer)
    treasury = wallet_of(servicing_issuer.treasury).address
    assert payment_run(action=action) == []
    assert not PaymentBatch.objects.filter(action=action).exists()
    assert balance(cash_jpy.security, treasury) == (50000, 0)
    assert set(action.lines.values_list("status", flat=True)) == {L.DUE}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([issuer_admin.email, operator.email])
    assert "60,000 JPY" in mail.outbox[0].body and "50,000 JPY" in mail.outbox[0].body
    action.refresh_from_db()
    assert action.funds_short_on == business_today()
    event = AuditEvent.objects.get(action="corporate_action.funds_short", object_id=str(action.pk))
    assert event.new_values["needed"] == "60000"
    payment_run(action=action)
    assert len(mail.outbox) == 2                     # told once this business day
    with pytest.raises(ConflictError) as error:
        payment_run(action=action, actor=issuer_admin)
    assert error.value.code == "funds_short" and len(mail.outbox) == 2
    business_date_shift(days=1, actor=operator)
    payment_run(action=action)
    assert len(mail.outbox) == 4                     # the next business day: told again


@pytest.mark.parametrize(("change", "code"), [
    ({"approved_at": None}, "not_approved"),
    ({"status": CorporateAction.Status.SCHEDULED}, "not_payable"),
    ({"method": CorporateAction.Method.OFFCHAIN}, "wrong_method"),
])
def test_an_action_that_may_not_be_paid_is_left_alone(paying, issuer_admin, change, code):
    action, cash, treasury = paying
    CorporateAction.objects.filter(pk=action.pk).update(**change)
    assert payment_run(action=action) == []            # the sweep: nothing, quietly
    with pytest.raises(ConflictError) as error:
        payment_run(action=action, actor=issuer_admin)   # a person: the reason
    assert error.value.code == code
    assert balance(cash, treasury) == (100000, 0)
    assert not PaymentBatch.objects.exists()


def test_nothing_is_paid_before_the_payment_date(bond_held, cash_jpy, servicing_issuer, issuer_admin, cash_agent,
                                                  compliance_officer):
    treasury_fund(servicing_issuer, "100000", admin=issuer_admin, agent=cash_agent)
    action = recorded_action(bond_held, approver=compliance_officer, payment_in_days=1)
    assert payment_run(action=action) == []
    with pytest.raises(ConflictError) as error:
        payment_run(action=action, actor=issuer_admin)
    assert error.value.code == "not_due"


def test_only_the_issuers_admins_and_operators_may_run_a_payment(paying, issuer_member, outsider, compliance_officer):
    action, _cash, _treasury = paying
    for who, status in ((issuer_member, 403), (compliance_officer, 403), (outsider, 404)):
        with pytest.raises(ApplicationError) as error:
            payment_run(action=action, actor=who)
        assert error.value.status == status
    assert not PaymentBatch.objects.exists()


def test_lines_with_nothing_to_move_are_paid_without_a_batch(bond_held, cash_jpy, servicing_issuer, issuer_admin,
                                                              cash_agent, compliance_officer, holders):
    treasury_fund(servicing_issuer, "100000", admin=issuer_admin, agent=cash_agent)
    action = recorded_action(bond_held, approver=compliance_officer, nets={holders.jp_wallet.address: "0"})
    [batch] = payment_run(action=action)
    assert batch.line_count == 2
    zero = action.lines.get(wallet=holders.jp_wallet.address)
    assert zero.status == L.PAID and zero.batch_id is None


def test_a_net_finer_than_the_cash_token_is_refused_not_rounded(bond_held, cash_jpy, servicing_issuer, issuer_admin,
                                                                cash_agent, compliance_officer, holders):
    treasury_fund(servicing_issuer, "100000", admin=issuer_admin, agent=cash_agent)
    action = recorded_action(bond_held, approver=compliance_officer, nets={holders.jp_wallet.address: "10.50"})
    with pytest.raises(ApplicationError) as error:
        payment_run(action=action)
    assert error.value.code == "invalid_amount"
    assert not PaymentBatch.objects.exists()


def test_batch_decided_needs_the_chains_transaction(paying):
    action, _cash, _treasury = paying
    [batch] = payment_run(action=action)
    with pytest.raises(RuntimeError):
        batch_decided(batch_id=batch.pk, confirmed=True, tx_hash="0x", reason="")
    with transaction.atomic():
        assert batch_decided(batch_id=10**9, confirmed=True, tx_hash="0x", reason="") is None


def test_no_cash_token_means_no_payment(bond_held, compliance_officer, issuer_admin):
    action = recorded_action(bond_held, approver=compliance_officer)
    assert payment_run(action=action) == []
    with pytest.raises(ConflictError) as error:
        payment_run(action=action, actor=issuer_admin)
    assert error.value.code == "cash_token_unavailable"
    assert Decimal(action.net_total) == Decimal("60000")


def test_a_line_whose_wallet_was_removed_stays_due_out_of_the_batches(paying, holders, cash_agent):
    action, cash, treasury = paying
    Wallet.objects.filter(pk=holders.us_wallet.pk).update(status=Wallet.Status.REMOVED)
    [batch] = payment_run(action=action)
    assert payload_of(batch)["wallets"] == [holders.jp_wallet.address, holders.corp_wallet.address]
    assert action.lines.get(wallet=holders.us_wallet.address).status == L.DUE
    assert balance(cash, treasury) == (100000, 30000)


def test_a_paused_cash_token_gets_no_batch(paying, cash_agent):
    action, cash, treasury = paying
    ControlBook.objects.filter(security=cash).update(paused=True)
    assert payment_run(action=action) == []
    assert balance(cash, treasury) == (100000, 0)
