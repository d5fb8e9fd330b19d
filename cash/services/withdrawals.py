"""Withdrawals: the holder asks, the cash token is burned at once (with the trust account's
debit and the payout instruction, one transaction), and a cash agent marks the payout paid."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import access_deny, investor_self_ensure
from accounts.models import User
from accounts.policy import Action, policy_ensure
from core.audit import audit_record
from core.errors import ApplicationError, ConflictError
from core.lifecycle import transition
from investors.models import Wallet
from issuance.models import Issuer

from ..amounts import base_units, clean_money
from ..models import CashWithdrawal, TrustAccount
from .register import cash_burn, holder_wallet, new_reference
from .tokens import trust_bank_join


def _clean_payout(details: str) -> str:
    details = (details or "").strip()
    if not details or len(details) > 1000:
        message = _("Enter the bank account to pay to (bank, branch, account number, name; at most 1000 characters).")
        raise ApplicationError(message, code="payout_details_required", fields={"payout_details": [message]})
    return details


def _withdraw(*, holder: User, currency: str, amount: object, payout_details: str, wallet: Wallet | str | None,
              actor: User) -> CashWithdrawal:
    money = clean_money(amount, currency)
    units = base_units(money)
    details = _clean_payout(payout_details)
    account = TrustAccount.objects.select_related("security").filter(currency=money.currency).first()
    if account is None:
        raise ConflictError(_("The trust bank does not keep %(currency)s yet.") % {"currency": money.currency},
                            code="currency_unavailable")
    chosen = holder_wallet(holder, wallet)
    reference = new_reference("WDR", CashWithdrawal)
    action = cash_burn(account=account, holder=holder, wallet=chosen, amount=money.amount, units=units,
                       reference=reference, actor=actor)
    withdrawal = CashWithdrawal.objects.create(
        holder=holder, wallet=chosen.address, currency=money.currency, amount=money.amount, reference=reference,
        payout_details=details, requested_by=actor, action=action)
    audit_record(action="cashwithdrawal.requested", actor=actor, obj=withdrawal,
                 new={"reference": reference, "amount": str(money.amount), "currency": money.currency,
                      "wallet": chosen.address})
    return withdrawal


@transaction.atomic(durable=True)
def withdrawal_request(*, holder: User, currency: str, amount: object, payout_details: str, actor: User,
                       wallet: Wallet | str | None = None) -> CashWithdrawal:
    """An investor withdraws `amount` of their free cash (not frozen, not held for a
    settlement): burned now, paid out by the trust bank to `payout_details`."""
    investor_self_ensure(actor, user=holder)
    return _withdraw(holder=holder, currency=currency, amount=amount, payout_details=payout_details,
                     wallet=wallet, actor=actor)


@transaction.atomic(durable=True)
def treasury_withdrawal_request(*, issuer: Issuer, currency: str, amount: object, payout_details: str,
                                actor: User) -> CashWithdrawal:
    """An issuer admin withdraws from the issuer's treasury wallet, the same way."""
    policy_ensure(actor, Action.TREASURY_CASH, organization_id=issuer.organization_id)
    issuer = Issuer.objects.select_related("treasury").get(pk=issuer.pk)
    if issuer.treasury is None:
        raise ConflictError(_("The issuer has no treasury yet (it opens when the issuer is approved)."),
                            code="no_treasury")
    return _withdraw(holder=issuer.treasury, currency=currency, amount=amount, payout_details=payout_details,
                     wallet=None, actor=actor)


@transaction.atomic(durable=True)
def withdrawal_mark_paid(*, withdrawal: CashWithdrawal, paid_reference: str, actor: User) -> CashWithdrawal:
    """A cash agent records that the payout left the trust account (the bank's reference)."""
    policy_ensure(actor, Action.CASH_WITHDRAWAL_PAY)
    found = CashWithdrawal.objects.select_for_update().filter(pk=withdrawal.pk).first()
    if found is None:
        access_deny(actor, object_type="cash.cashwithdrawal", object_id=withdrawal.pk,
                    message=_("No such withdrawal."))
    paid_reference = (paid_reference or "").strip()
    if not paid_reference or len(paid_reference) > 64:
        message = _("Enter the bank's reference of the payout (at most 64 characters).")
        raise ApplicationError(message, code="paid_reference_required", fields={"paid_reference": [message]})
    if found.status != CashWithdrawal.Status.BURNED:
        raise ConflictError(_("This withdrawal was paid already."), code="invalid_transition")
    trust_bank_join(actor)
    now = timezone.now()
    transition(found, to=CashWithdrawal.Status.PAID, actor=actor)
    CashWithdrawal.objects.filter(pk=found.pk).update(paid_reference=paid_reference, paid_by=actor, paid_at=now)
    found.paid_reference, found.paid_by, found.paid_at = paid_reference, actor, now
    return found
