"""Fiat amounts of the cash tokens: a Decimal in a currency the trust bank keeps, converted
exactly to the token's integer base units (10**CASH_DECIMALS[currency] per unit)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.money import Money
from issuance.models.securities import CASH_DECIMALS

#: The largest single deposit or withdrawal, in currency units (a typo guard, not a limit of the token).
MAX_AMOUNT = Decimal("1000000000000")


def clean_currency(currency: object) -> str:
    value = str(currency or "").strip().upper()
    if value not in CASH_DECIMALS:
        message = _("Choose a currency the trust bank keeps: %(currencies)s.") % {
            "currencies": ", ".join(sorted(CASH_DECIMALS))}
        raise ApplicationError(message, code="invalid_currency", fields={"currency": [message]})
    return value


def clean_money(amount: object, currency: str) -> Money:
    """A positive amount of `currency` with no more decimals than its minor unit allows
    (JPY none, USD cents): a sub-unit amount is refused, never rounded."""
    currency = clean_currency(currency)
    if isinstance(amount, float):
        amount = str(amount)
    try:
        money = Money(amount if isinstance(amount, Decimal) else str(amount).strip(), currency)
    except ApplicationError:
        message = _("Enter an amount in %(currency)s with at most %(places)s decimal places.") % {
            "currency": currency, "places": CASH_DECIMALS[currency]}
        raise ApplicationError(message, code="invalid_amount", fields={"amount": [message]}) from None
    if money.amount <= 0 or money.amount > MAX_AMOUNT:
        message = _("Enter an amount greater than zero and at most %(max)s.") % {"max": f"{MAX_AMOUNT:,}"}
        raise ApplicationError(message, code="invalid_amount", fields={"amount": [message]})
    return money


def base_units(money: Money) -> int:
    """The token amount of `money`: exact, since the token has as many decimals as the currency."""
    scaled = money.amount.scaleb(CASH_DECIMALS[money.currency])
    if scaled != scaled.to_integral_value():
        raise ApplicationError(_("This amount is smaller than the token's unit."), code="invalid_amount")
    return int(scaled)


def money_of(units: int, currency: str) -> Decimal:
    """The fiat amount of `units` base units of the cash token of `currency`."""
    return Decimal(int(units)).scaleb(-CASH_DECIMALS[currency])
