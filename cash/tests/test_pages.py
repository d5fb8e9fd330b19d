"""The cash pages: the investor asks to deposit and sees the instructions, the cash agent
records the receipt at the desk (2FA), the issuer admin sees the treasury; others are refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cash.models import CashDeposit
from core.clock import business_today
from ledger.models import Position

pytestmark = pytest.mark.django_db


def test_deposit_from_the_page_to_the_desk(client, login_verified, jpy, verified_investor, cash_agent, password):
    client.post("/accounts/login/", {"email": verified_investor.email, "password": password})
    response = client.post(reverse("cash:mine"), {"step": "deposit", "currency": "JPY", "amount": "30000"},
                           follow=True)
    deposit = CashDeposit.objects.get()
    assert deposit.reference in response.content.decode() and jpy.bank_account in response.content.decode()
    client.post(reverse("cash:mine"), {"step": "deposit", "currency": "JPY", "amount": "1.5"}, follow=True)
    assert CashDeposit.objects.count() == 1       # a sub-unit yen amount: refused with a message
    client.logout()

    login_verified(cash_agent)
    desk = client.get(reverse("cash:desk"))
    assert desk.status_code == 200 and deposit.reference in desk.content.decode()
    client.post(reverse("cash:desk"), {"step": "record", "deposit": deposit.pk, "amount": "30000",
                                       "bank_reference": "MUFG-9", "value_date": business_today().isoformat()})
    assert CashDeposit.objects.get().status == CashDeposit.Status.MINTED
    assert int(Position.objects.get(security=jpy.security).balance) == 30000
    register = client.get(reverse("ledger:cap-table", args=[jpy.security_id]))   # linked from the desk
    assert register.status_code == 200 and jpy.security.symbol in register.content.decode()
    client.logout()

    client.post("/accounts/login/", {"email": verified_investor.email, "password": password})
    page = client.get(reverse("cash:mine")).content.decode()
    assert 'data-testid="cash-balance"' in page and "30000" in page


@pytest.mark.parametrize("persona", ["verified_investor", "operator", "compliance_officer"])
def test_the_desk_is_for_cash_agents(client, login_verified, persona, request):
    login_verified(request.getfixturevalue(persona))
    assert client.get(reverse("cash:desk")).status_code == 403


def test_the_desk_needs_two_factor(client, cash_agent, password):
    client.post("/accounts/login/", {"email": cash_agent.email, "password": password})
    response = client.get(reverse("cash:desk"))
    assert response.status_code == 302 and "2fa" in response["Location"]


def test_treasury_page(client, login_verified, issuer_admin, issuer_member, issuer_org):
    from issuance.tests.factories import IssuerFactory

    IssuerFactory(organization=issuer_org)
    login_verified(issuer_admin)
    assert client.get(reverse("cash:treasury")).status_code == 200
    client.logout()
    login_verified(issuer_member)
    assert client.get(reverse("cash:treasury")).status_code == 403
