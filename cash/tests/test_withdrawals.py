"""Withdrawals: the free cash is burned at once with the trust debit and the payout
instruction; a cash agent marks it paid; bad input moves nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cash import services
from cash.invariants import trust_problems
from cash.models import CashWithdrawal, TrustAccount
from cash.selectors import withdrawal_get_for
from core.errors import ApplicationError
from core.models import OutboxEntry
from ledger.invariants import check_invariants
from ledger.models import ControlBook, Position

from .conftest import deposit_minted

pytestmark = pytest.mark.django_db
BANK = "MUFG Marunouchi 1234567 Yamada Hanako"


@pytest.fixture
def funded(jpy, cash_agent, verified_investor):
    deposit_minted(verified_investor, "10000", cash_agent)
    return Position.objects.get(security=jpy.security, investor=verified_investor)


def test_withdraw_burns_debits_and_is_paid(jpy, funded, cash_agent, verified_investor):
    withdrawal = services.withdrawal_request(holder=verified_investor, currency="JPY", amount="4000",
                                             payout_details=BANK, actor=verified_investor)

    assert withdrawal.status == CashWithdrawal.Status.BURNED and withdrawal.reference.startswith("WDR-")
    funded.refresh_from_db()
    assert int(funded.balance) == 6000
    assert TrustAccount.objects.get(pk=jpy.pk).balance == Decimal("6000")
    assert int(ControlBook.objects.get(security=jpy.security).outstanding) == 6000
    burn = OutboxEntry.objects.get(kind="token.burn")
    assert burn.payload["amount"] == "4000"
    assert trust_problems() == [] and check_invariants() == []
    assert CashWithdrawal.objects.get(pk=withdrawal.pk).payout_details == BANK   # decrypted on read

    with pytest.raises(ApplicationError) as exc:
        services.withdrawal_mark_paid(withdrawal=withdrawal, paid_reference="OUT-1", actor=verified_investor)
    assert (exc.value.status, exc.value.code) == (403, "cash_agent_required")
    paid = services.withdrawal_mark_paid(withdrawal=withdrawal, paid_reference="OUT-1", actor=cash_agent)
    assert (paid.status, paid.paid_by, paid.paid_reference) == (CashWithdrawal.Status.PAID, cash_agent, "OUT-1")
    with pytest.raises(ApplicationError) as exc:
        services.withdrawal_mark_paid(withdrawal=withdrawal, paid_reference="OUT-2", actor=cash_agent)
    assert exc.value.code == "invalid_transition"


def test_more_than_the_free_cash_is_refused(jpy, funded, verified_investor):
    Position.objects.filter(pk=funded.pk).update(frozen=2000, held=3000)    # free: 5000
    with pytest.raises(ApplicationError) as exc:
        services.withdrawal_request(holder=verified_investor, currency="JPY", amount="5001", payout_details=BANK,
                                    actor=verified_investor)
    assert (exc.value.status, exc.value.code) == (400, "insufficient_cash")
    assert not CashWithdrawal.objects.exists() and not OutboxEntry.objects.filter(kind="token.burn").exists()
    assert TrustAccount.objects.get(pk=jpy.pk).balance == Decimal("10000")
    services.withdrawal_request(holder=verified_investor, currency="JPY", amount="5000", payout_details=BANK,
                                actor=verified_investor)


@pytest.mark.parametrize(("change", "code"), [({"amount": "1.5"}, "invalid_amount"),
                                              ({"payout_details": ""}, "payout_details_required"),
                                              ({"currency": "GBP"}, "invalid_currency")])
def test_bad_input(jpy, funded, verified_investor, change, code):
    args = {"currency": "JPY", "amount": "100", "payout_details": BANK, **change}
    with pytest.raises(ApplicationError) as exc:
        services.withdrawal_request(holder=verified_investor, actor=verified_investor, **args)
    assert (exc.value.status, exc.value.code) == (400, code)
    assert not CashWithdrawal.objects.exists()


def test_only_for_oneself_and_hidden_from_others(jpy, funded, verified_investor, outsider, cash_agent):
    with pytest.raises(ApplicationError) as exc:
        services.withdrawal_request(holder=verified_investor, currency="JPY", amount="1", payout_details=BANK,
                                    actor=outsider)
    assert exc.value.status == 404
    withdrawal = services.withdrawal_request(holder=verified_investor, currency="JPY", amount="1",
                                             payout_details=BANK, actor=verified_investor)
    with pytest.raises(ApplicationError) as exc:
        withdrawal_get_for(actor=outsider, pk=withdrawal.pk)
    assert exc.value.status == 404
    assert withdrawal_get_for(actor=cash_agent, pk=withdrawal.pk) == withdrawal


def test_the_invariant_check_sees_a_difference(jpy, funded):
    TrustAccount.objects.filter(pk=jpy.pk).update(balance=Decimal("9999"))
    [problem] = trust_problems(security=jpy.security)
    assert "control book outstanding 10000 != trust account 9999" in problem


def test_trust_entries_are_append_only(jpy, funded):
    from django.db import DatabaseError, transaction

    from cash.models import TrustEntry

    entry = TrustEntry.objects.get()
    for write in (lambda: TrustEntry.objects.filter(pk=entry.pk).update(amount=1),
                  lambda: TrustEntry.objects.filter(pk=entry.pk).delete()):
        with pytest.raises(DatabaseError), transaction.atomic():
            write()
    assert TrustEntry.objects.get().amount == Decimal("10000")
