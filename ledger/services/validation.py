"""The register's input, cleaned once in the services (amounts, reasons, wallet addresses and
who an address belongs to), and the error a rule engine refusal becomes."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.models import User
from compliance import rules
from compliance.codes import describe
from core.errors import ApplicationError, ConflictError
from investors.models import Wallet
from investors.wallet_proof import checksum
from issuance.models import Security

#: Whether a security's transfers stopped for its redemption (servicing: a redemption or call
#: recorded, or whose record date has come): a dotted path, as nothing below servicing imports it.
DEFAULT_TRANSFER_STOP = "servicing.services.redemption.transfers_stopped"


def clean_amount(amount: object, *, field: str = "amount") -> int:
    """A positive whole number of base units (int, integral Decimal or a string of digits)."""
    value = None
    if isinstance(amount, bool):
        value = None
    elif isinstance(amount, int):
        value = amount
    elif isinstance(amount, Decimal) and amount.is_finite() and amount == amount.to_integral_value():
        value = int(amount)
    elif isinstance(amount, str) and amount.strip().isascii() and amount.strip().isdigit():
        value = int(amount.strip())  # ASCII only: "²".isdigit() is True and int("²") raises
    if value is None or value <= 0 or value >= 2**256:  # a uint256 on chain
        message = _("Enter an amount greater than zero.")
        raise ApplicationError(message, code="invalid_amount", fields={field: [message]})
    return value


def clean_reason(reason: str, *, required: bool = True) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        message = _("Give a reason.")
        raise ApplicationError(message, code="reason_required", fields={"reason": [message]})
    return reason[:2000]


def clean_address(address: str, *, field: str = "wallet") -> str:
    value = checksum(address or "")
    if value is None:
        message = _("Enter a valid wallet address (0x followed by 40 hexadecimal digits).")
        raise ApplicationError(message, code="invalid_wallet", fields={field: [message]})
    return value


def wallet_owner(address: str, *, active_only: bool = True) -> tuple[str, User | None]:
    """(checksum address, its investor) from investors.Wallet: the active binding, else
    (unless active_only) the latest one. (address, None) when the register does not know it."""
    address = clean_address(address)
    wallets = Wallet.objects.filter(address=address).select_related("profile__user")
    found = wallets.filter(status=Wallet.Status.ACTIVE).first()
    if found is None and not active_only:
        found = wallets.order_by("-id").first()
    return address, (found.profile.user if found else None)


def refuse(verdict: rules.Verdict) -> ApplicationError:
    reasons = [code.name.lower() for code in verdict.reasons]
    return ApplicationError(describe(verdict.code), code=verdict.reason, fields={"reasons": reasons})


@lru_cache(maxsize=4)
def _transfer_stop(path: str):
    return import_string(path)


def redeeming_refuse(security: Security) -> None:
    """409 security_redeeming when the paying agent stopped the security's transfers for a
    redemption or call (from its record date until its units are burned). Only bonds are
    redeemed or called, so other instruments cost no query."""
    if security.kind != Security.Kind.BOND:
        return
    stopped = _transfer_stop(getattr(settings, "REGISTER_TRANSFER_STOP", DEFAULT_TRANSFER_STOP))
    if stopped(security_id=security.pk):
        raise ConflictError(_("This bond is being redeemed: its transfers stopped on the record date."),
                            code="security_redeeming")
