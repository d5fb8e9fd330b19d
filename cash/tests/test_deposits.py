"""Deposits: request -> receipt recorded -> (second approval above the limit) -> minted, the
trust account credited in the same transaction; every bad input refused with nothing moved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cash import services
from cash.invariants import trust_problems
from cash.models import CashDeposit, TrustAccount, TrustEntry
from cash.selectors import deposit_get_for
from core.clock import business_today
from core.errors import ApplicationError
from core.models import OutboxEntry
from ledger.invariants import check_invariants
from ledger.models import ControlBook, Position, TokenAction

from .conftest import deposit_minted

pytestmark = pytest.mark.django_db


def _state(account):
    account.refresh_from_db()
    book = ControlBook.objects.get(security=account.security)
    return account.balance, int(book.outstanding), TokenAction.objects.count(), OutboxEntry.objects.count()


def test_deposit_below_the_limit_mints_at_once(jpy, cash_agent, verified_investor):
    deposit = services.deposit_request(holder=verified_investor, currency="JPY", amount="50000",
                                       actor=verified_investor)
    assert deposit.status == CashDeposit.Status.REQUESTED and deposit.reference.startswith("DEP-")

    deposit = services.deposit_receipt_record(deposit=deposit, amount="50000", bank_reference="MUFG-77",
                                              value_date=business_today(), actor=cash_agent)

    assert deposit.status == CashDeposit.Status.MINTED and deposit.recorded_by == cash_agent
    position = Position.objects.get(security=jpy.security, investor=verified_investor)
    assert int(position.balance) == 50000
    assert _state(jpy)[:2] == (Decimal("50000"), 50000)
    assert TrustEntry.objects.get(account=jpy).reference == deposit.reference
    mint = OutboxEntry.objects.get(kind="token.mint")
    assert mint.payload["amount"] == "50000" and mint.payload["wallet"] == position.wallet
    assert trust_problems() == [] and check_invariants() == []


def test_usd_cents_become_base_units(usd, cash_agent, verified_investor):
    deposit_minted(verified_investor, "12.34", cash_agent, currency="USD")
    assert int(Position.objects.get(security=usd.security).balance) == 1234
    assert _state(usd)[:2] == (Decimal("12.34"), 1234)


def test_above_the_limit_waits_for_a_second_different_agent(jpy, cash_agent, second_cash_agent,
                                                            verified_investor, settings):
    settings.CASH_DEPOSIT_APPROVAL_LIMIT = {"JPY": "100000"}
    deposit = services.deposit_request(holder=verified_investor, currency="JPY", amount="100001",
                                       actor=verified_investor)
    deposit = services.deposit_receipt_record(deposit=deposit, amount="100001", bank_reference="MUFG-78",
                                              value_date=business_today(), actor=cash_agent)
    assert deposit.status == CashDeposit.Status.RECEIVED
    before = _state(jpy)

    with pytest.raises(ApplicationError) as exc:
        services.deposit_approve(deposit=deposit, actor=cash_agent)
    assert (exc.value.status, exc.value.code) == (403, "second_agent_required")
    assert _state(jpy) == before

    deposit = services.deposit_approve(deposit=deposit, actor=second_cash_agent)
    assert deposit.status == CashDeposit.Status.MINTED and deposit.approved_by == second_cash_agent
    assert _state(jpy)[:2] == (Decimal("100001"), 100001)


@pytest.mark.parametrize(("amount", "code"), [("50000.5", "invalid_amount"), ("0", "invalid_amount"),
                                              ("-5", "invalid_amount"), ("lots", "invalid_amount")])
def test_bad_amounts_are_refused(jpy, verified_investor, amount, code):
    with pytest.raises(ApplicationError) as exc:
        services.deposit_request(holder=verified_investor, currency="JPY", amount=amount, actor=verified_investor)
    assert (exc.value.status, exc.value.code) == (400, code) and "amount" in exc.value.fields
    assert not CashDeposit.objects.exists()


def test_sub_cent_usd_is_refused(usd, verified_investor):
    with pytest.raises(ApplicationError) as exc:
        services.deposit_request(holder=verified_investor, currency="USD", amount="1.005", actor=verified_investor)
    assert exc.value.code == "invalid_amount"


def test_amount_mismatch_and_bad_receipts_move_nothing(jpy, cash_agent, verified_investor):
    deposit = services.deposit_request(holder=verified_investor, currency="JPY", amount="50000",
                                       actor=verified_investor)
    before = _state(jpy)
    bad = [({"amount": "49999"}, "amount_mismatch"), ({"bank_reference": " "}, "bank_reference_required"),
           ({"value_date": business_today() + dt.timedelta(days=1)}, "invalid_value_date"),
           ({"value_date": "yesterday"}, "invalid_value_date")]
    for change, code in bad:
        args = {"amount": "50000", "bank_reference": "MUFG-1", "value_date": business_today(), **change}
        with pytest.raises(ApplicationError) as exc:
            services.deposit_receipt_record(deposit=deposit, actor=cash_agent, **args)
        assert (exc.value.status, exc.value.code) == (400, code)
    assert _state(jpy) == before
    assert CashDeposit.objects.get(pk=deposit.pk).status == CashDeposit.Status.REQUESTED


@pytest.mark.parametrize("persona", ["compliance_officer", "operator", "verified_investor", "issuer_admin"])
def test_only_cash_agents_record_receipts(jpy, verified_investor, persona, request):
    deposit = services.deposit_request(holder=verified_investor, currency="JPY", amount="500",
                                       actor=verified_investor)
    with pytest.raises(ApplicationError) as exc:
        services.deposit_receipt_record(deposit=deposit, amount="500", bank_reference="X",
                                        value_date=business_today(), actor=request.getfixturevalue(persona))
    assert (exc.value.status, exc.value.code) == (403, "cash_agent_required")
    assert CashDeposit.objects.get(pk=deposit.pk).status == CashDeposit.Status.REQUESTED


def test_recording_twice_is_a_conflict(jpy, cash_agent, verified_investor):
    deposit = deposit_minted(verified_investor, "700", cash_agent)
    with pytest.raises(ApplicationError) as exc:
        services.deposit_receipt_record(deposit=deposit, amount="700", bank_reference="X",
                                        value_date=business_today(), actor=cash_agent)
    assert (exc.value.status, exc.value.code) == (409, "invalid_transition")
    assert _state(jpy)[:2] == (Decimal("700"), 700)


def test_who_may_ask(jpy, verified_investor, unverified_investor, outsider, cash_agent):
    with pytest.raises(ApplicationError) as exc:     # KYC not approved
        services.deposit_request(holder=unverified_investor, currency="JPY", amount="5", actor=unverified_investor)
    assert exc.value.code == "no_wallet" or exc.value.code == "kyc_required"
    with pytest.raises(ApplicationError) as exc:     # for someone else
        services.deposit_request(holder=verified_investor, currency="JPY", amount="5", actor=outsider)
    assert exc.value.status == 404
    with pytest.raises(ApplicationError) as exc:     # a currency the trust bank does not keep yet
        services.deposit_request(holder=verified_investor, currency="USD", amount="5", actor=verified_investor)
    assert exc.value.code == "currency_unavailable"
    assert not CashDeposit.objects.exists()


def test_someone_elses_deposit_is_not_found(jpy, verified_investor, outsider, cash_agent):
    deposit = services.deposit_request(holder=verified_investor, currency="JPY", amount="5", actor=verified_investor)
    assert deposit_get_for(actor=verified_investor, pk=deposit.pk) == deposit
    assert deposit_get_for(actor=cash_agent, pk=deposit.pk) == deposit
    with pytest.raises(ApplicationError) as exc:
        deposit_get_for(actor=outsider, pk=deposit.pk)
    assert exc.value.status == 404


def test_cancel(jpy, cash_agent, verified_investor):
    deposit = services.deposit_request(holder=verified_investor, currency="JPY", amount="5", actor=verified_investor)
    with pytest.raises(ApplicationError) as exc:
        services.deposit_cancel(deposit=deposit, reason=" ", actor=cash_agent)
    assert exc.value.code == "reason_required"
    deposit = services.deposit_cancel(deposit=deposit, reason="no transfer arrived", actor=cash_agent)
    assert deposit.status == CashDeposit.Status.CANCELLED
    with pytest.raises(ApplicationError) as exc:
        services.deposit_receipt_record(deposit=deposit, amount="5", bank_reference="X",
                                        value_date=business_today(), actor=cash_agent)
    assert exc.value.code == "invalid_transition"
    assert TrustAccount.objects.get(pk=jpy.pk).balance == 0
