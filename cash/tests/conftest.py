"""Cash fixtures: the JPY and USD cash tokens created through the service (the personas
cash_agent and second_cash_agent live in the root conftest)."""

from __future__ import annotations

import pytest


@pytest.fixture
def jpy(cash_agent):
    from cash.services import cash_token_create

    return cash_token_create(currency="JPY", actor=cash_agent)


@pytest.fixture
def usd(cash_agent):
    from cash.services import cash_token_create

    return cash_token_create(currency="USD", actor=cash_agent)


def deposit_minted(holder, amount, agent, currency="JPY", second=None):
    """A deposit requested by `holder` and recorded (and approved by `second`) until minted."""
    from cash import services
    from core.clock import business_today

    deposit = services.deposit_request(holder=holder, currency=currency, amount=amount, actor=holder)
    deposit = services.deposit_receipt_record(deposit=deposit, amount=amount, bank_reference="BANK-1",
                                              value_date=business_today(), actor=agent)
    if second is not None:
        deposit = services.deposit_approve(deposit=deposit, actor=second)
    return deposit
