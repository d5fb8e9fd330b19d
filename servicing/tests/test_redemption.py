"""Redemption at maturity and early calls: transfers stop from the record date (the register
refuses with security_redeeming, the token is paused), the cash is paid, the units are burned
in batches, and the bond matures (a partial call: only the called units, and transfers resume)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from core.clock import business_today
from core.errors import ConflictError
from issuance.models import Security
from ledger.invariants import check_invariants
from ledger.models import Position, TokenAction
from ledger.services import offer_create, tokens_transfer, transfer_request_create
from servicing.models import CorporateAction, EntitlementLine, PaymentBatch
from servicing.services.payments import batch_decided, payment_run
from servicing.services.redemption import redemption_pause, transfers_stopped

from .conftest import treasury_fund
from .paying import book_of, payload_of, recorded_action

K = CorporateAction.Kind


def decide(batch, *, confirmed=True, reason=""):
    with transaction.atomic():
        return batch_decided(batch_id=batch.pk, confirmed=confirmed, tx_hash="0x" + "ef" * 32, reason=reason)


@pytest.fixture
def deployed(bond_held, cash_jpy, servicing_issuer, issuer_admin, cash_agent):
    """The held bond, deployed; the issuer's treasury holding 100,000 JPY."""
    Security.objects.filter(pk=bond_held.pk).update(deploy_requested_at=timezone.now())
    bond_held.refresh_from_db()
    treasury_fund(servicing_issuer, "100000", admin=issuer_admin, agent=cash_agent)
    return bond_held


def _scheduled_redemption(bond, *, record_in_days: int) -> CorporateAction:
    day = business_today() + timedelta(days=record_in_days)
    return CorporateAction.objects.create(security=bond, kind=K.REDEMPTION, currency="JPY", declaration_date=day,
                                          record_date=day, ex_date=day, payment_date=day + timedelta(days=1))


def test_transfers_stop_from_the_redemptions_record_date(bond_held, holders, issuer_admin, cash_jpy):
    redemption = _scheduled_redemption(bond_held, record_in_days=1)
    tokens_transfer(security=bond_held, from_wallet=holders.jp_wallet.address, to_wallet=holders.corp_wallet.address,
                    amount=1, actor=issuer_admin)                   # the day before: allowed
    CorporateAction.objects.filter(pk=redemption.pk).update(record_date=business_today())
    assert transfers_stopped(security_id=bond_held.pk)
    with pytest.raises(ConflictError) as error:
        tokens_transfer(security=bond_held, from_wallet=holders.jp_wallet.address,
                        to_wallet=holders.corp_wallet.address, amount=1, actor=issuer_admin)
    assert error.value.code == "security_redeeming"
    with pytest.raises(ConflictError) as error:
        transfer_request_create(security=bond_held, from_wallet=holders.jp_wallet.address,
                                to_wallet=holders.corp_wallet.address, amount=1, actor=holders.jp)
    assert error.value.code == "security_redeeming"
    with pytest.raises(ConflictError) as error:
        offer_create(security=bond_held, wallet=holders.jp_wallet, units=1, unit_price="100000",
                     expires_at=timezone.now() + timedelta(days=1), actor=holders.jp)
    assert error.value.code == "security_redeeming"
    assert Position.objects.get(security=bond_held, wallet=holders.jp_wallet.address).balance == 9
    CorporateAction.objects.filter(pk=redemption.pk).update(status=CorporateAction.Status.CANCELLED)
    assert not transfers_stopped(security_id=bond_held.pk)


def test_a_maturity_pays_burns_every_unit_and_matures_the_bond(deployed, compliance_officer, holders):
    bond = deployed
    action = recorded_action(bond, approver=compliance_officer, kind=K.REDEMPTION)
    paused = redemption_pause(action=action)
    assert paused.kind == TokenAction.Kind.PAUSE and paused.cause == f"corporate_action:{action.pk}"
    assert book_of(bond).paused
    assert redemption_pause(action=action) is None                  # once
    [cash_batch] = payment_run(action=action)
    decide(cash_batch)
    action.refresh_from_db()
    assert action.status == CorporateAction.Status.PAYING           # paid, not burned yet
    assert not PaymentBatch.objects.filter(kind=PaymentBatch.Kind.BURN).exists()
    assert payment_run(action=action) == []                          # no cash left to pay: the burns go out
    burn = PaymentBatch.objects.get(action=action, kind=PaymentBatch.Kind.BURN)
    payload = payload_of(burn)
    assert payload["amounts"] == ["10", "20", "30"] and payload["security_id"] == bond.pk
    assert burn.outbox.idempotency_key == f"burn:{action.pk}:{burn.number}"
    decide(burn)
    assert list(Position.objects.filter(security=bond).values_list("balance", flat=True)) == [0, 0, 0]
    book = book_of(bond)
    assert (int(book.redeemed), int(book.outstanding)) == (60, 0)
    assert TokenAction.objects.filter(security=bond, kind=TokenAction.Kind.REDEEM, outbox=burn.outbox).count() == 3
    assert set(action.lines.values_list("burned", "status")) == {(True, EntitlementLine.Status.PAID)}
    action.refresh_from_db()
    bond.refresh_from_db()
    assert action.status == CorporateAction.Status.PAID
    assert bond.matured_on == business_today()
    assert decide(burn) is None                                     # reported again: nothing changes
    assert int(book_of(bond).redeemed) == 60
    assert check_invariants(security=bond) == []


def test_a_partial_call_burns_the_called_units_only_and_transfers_resume(deployed, compliance_officer, holders,
                                                                         issuer_admin):
    bond = deployed
    called = {holders.jp_wallet.address: 5, holders.corp_wallet.address: 10, holders.us_wallet.address: 15}
    action = recorded_action(bond, approver=compliance_officer, kind=K.CALL, call_units=30, redeem=called)
    redemption_pause(action=action)
    decide(payment_run(action=action)[0])
    payment_run(action=action)
    decide(PaymentBatch.objects.get(action=action, kind=PaymentBatch.Kind.BURN))
    balances = dict(Position.objects.filter(security=bond).values_list("wallet", "balance"))
    assert {w: int(b) for w, b in balances.items()} == called
    action.refresh_from_db()
    bond.refresh_from_db()
    assert action.status == CorporateAction.Status.PAID
    assert bond.matured_on is None
    assert not book_of(bond).paused
    assert TokenAction.objects.filter(security=bond, kind=TokenAction.Kind.UNPAUSE,
                                      cause=f"corporate_action:{action.pk}").exists()
    tokens_transfer(security=bond, from_wallet=holders.jp_wallet.address, to_wallet=holders.corp_wallet.address,
                    amount=1, actor=issuer_admin)                   # the bond trades again


def test_a_failed_burn_is_tried_again_with_a_new_batch(deployed, compliance_officer, settings):
    settings.SERVICING_RETRY_SECONDS = 3600
    bond = deployed
    action = recorded_action(bond, approver=compliance_officer, kind=K.REDEMPTION)
    decide(payment_run(action=action)[0])
    payment_run(action=action)
    failed = PaymentBatch.objects.get(action=action, kind=PaymentBatch.Kind.BURN)
    decide(failed, confirmed=False, reason="reverted")
    failed.refresh_from_db()
    assert failed.status == PaymentBatch.Status.FAILED
    assert int(book_of(bond).outstanding) == 60
    payment_run(action=action)
    assert PaymentBatch.objects.filter(action=action, kind=PaymentBatch.Kind.BURN).count() == 1   # waits
    settings.SERVICING_RETRY_SECONDS = 0
    payment_run(action=action)
    retry = PaymentBatch.objects.get(action=action, kind=PaymentBatch.Kind.BURN, status=PaymentBatch.Status.SUBMITTED)
    assert retry.number > failed.number
    decide(retry)
    assert int(book_of(bond).outstanding) == 0
    assert TokenAction.objects.filter(security=bond, kind=TokenAction.Kind.REDEEM).count() == 3
