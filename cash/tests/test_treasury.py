"""An issuer admin deposits into and withdraws from the issuer's treasury wallet; members and
other organizations are refused; the treasury's cash shows on its page only to its issuer."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cash import services
from cash.models import CashDeposit, CashWithdrawal, TrustAccount
from cash.selectors import balances_of, deposit_get_for
from core.clock import business_today
from core.errors import ApplicationError
from issuance.tests.factories import IssuerFactory
from issuance.treasury import treasury_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def issuer(issuer_org, compliance_officer):
    issuer = IssuerFactory(organization=issuer_org)
    treasury_open(issuer=issuer, actor=compliance_officer)
    issuer.refresh_from_db()
    return issuer


def test_treasury_deposit_and_withdrawal(jpy, issuer, issuer_admin, cash_agent, outsider):
    deposit = services.treasury_deposit_request(issuer=issuer, currency="JPY", amount="8000", actor=issuer_admin)
    assert deposit.holder == issuer.treasury and deposit_get_for(actor=issuer_admin, pk=deposit.pk) == deposit
    with pytest.raises(ApplicationError):
        deposit_get_for(actor=outsider, pk=deposit.pk)
    services.deposit_receipt_record(deposit=deposit, amount="8000", bank_reference="B-1",
                                    value_date=business_today(), actor=cash_agent)
    [balance] = balances_of(holder=issuer.treasury)
    assert balance.free == Decimal("8000")

    withdrawal = services.treasury_withdrawal_request(issuer=issuer, currency="JPY", amount="3000",
                                                      payout_details="Sakura Robotics, MUFG 7654321",
                                                      actor=issuer_admin)
    assert withdrawal.holder == issuer.treasury and withdrawal.status == CashWithdrawal.Status.BURNED
    assert TrustAccount.objects.get(pk=jpy.pk).balance == Decimal("5000")


@pytest.mark.parametrize(("persona", "status", "code"), [("issuer_member", 403, "admin_required"),
                                                         ("compliance_officer", 403, "permission_denied"),
                                                         ("cash_agent", 404, "not_found"),
                                                         ("verified_investor", 404, "not_found")])
def test_only_the_issuers_admins(jpy, issuer, persona, status, code, request):
    with pytest.raises(ApplicationError) as exc:
        services.treasury_deposit_request(issuer=issuer, currency="JPY", amount="5",
                                          actor=request.getfixturevalue(persona))
    assert (exc.value.status, exc.value.code) == (status, code)
    assert not CashDeposit.objects.exists()


def test_no_treasury_yet(jpy, issuer_org, issuer_admin):
    issuer = IssuerFactory(organization=issuer_org)
    with pytest.raises(ApplicationError) as exc:
        services.treasury_withdrawal_request(issuer=issuer, currency="JPY", amount="5", payout_details="x",
                                             actor=issuer_admin)
    assert (exc.value.status, exc.value.code) == (409, "no_treasury")
