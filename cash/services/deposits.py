"""Deposits: the holder asks (transfer instructions with a unique reference), a cash agent
records the bank receipt, a second cash agent approves above the limit, and the cash token is
minted to the holder's wallet in the transaction that credits the trust account."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.access import access_deny, investor_self_ensure
from accounts.models import User
from accounts.policy import Action, policy_ensure
from core.audit import audit_record
from core.clock import business_today
from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from core.lifecycle import transition
from investors.models import Wallet
from issuance.models import Issuer

from ..amounts import base_units, clean_money
from ..models import CashDeposit, TrustAccount
from .register import cash_mint, holder_wallet, new_reference
from .tokens import trust_bank_join


def approval_limit(currency: str) -> Decimal:
    """Deposits above this amount need a second cash agent (settings.CASH_DEPOSIT_APPROVAL_LIMIT)."""
    return Decimal(str(settings.CASH_DEPOSIT_APPROVAL_LIMIT.get(currency, "0")))


def _account(currency: str) -> TrustAccount:
    account = TrustAccount.objects.select_related("security").filter(currency=currency).first()
    if account is None:
        raise ConflictError(_("The trust bank does not keep %(currency)s yet.") % {"currency": currency},
                            code="currency_unavailable")
    return account


def _request(*, holder: User, currency: str, amount: object, wallet: Wallet | str | None, actor: User) -> CashDeposit:
    money = clean_money(amount, currency)
    base_units(money)
    _account(money.currency)
    chosen = holder_wallet(holder, wallet)
    deposit = CashDeposit.objects.create(
        holder=holder, wallet=chosen.address, currency=money.currency, amount=money.amount,
        reference=new_reference("DEP", CashDeposit), requested_by=actor)
    audit_record(action="cashdeposit.requested", actor=actor, obj=deposit,
                 new={"reference": deposit.reference, "amount": str(deposit.amount), "currency": deposit.currency,
                      "wallet": deposit.wallet})
    return deposit


@transaction.atomic(durable=True)
def deposit_request(*, holder: User, currency: str, amount: object, actor: User,
                    wallet: Wallet | str | None = None) -> CashDeposit:
    """An investor asks to deposit `amount` of `currency` into their wallet (an approved KYC
    and an active wallet required); the deposit's reference goes with the bank transfer."""
    investor_self_ensure(actor, user=holder)
    return _request(holder=holder, currency=currency, amount=amount, wallet=wallet, actor=actor)


@transaction.atomic(durable=True)
def treasury_deposit_request(*, issuer: Issuer, currency: str, amount: object, actor: User) -> CashDeposit:
    """An issuer admin asks to deposit into the issuer's treasury wallet."""
    policy_ensure(actor, Action.TREASURY_CASH, organization_id=issuer.organization_id)
    issuer = Issuer.objects.select_related("treasury").get(pk=issuer.pk)
    if issuer.treasury is None:
        raise ConflictError(_("The issuer has no treasury yet (it opens when the issuer is approved)."),
                            code="no_treasury")
    return _request(holder=issuer.treasury, currency=currency, amount=amount, wallet=None, actor=actor)


def _locked(deposit: CashDeposit, actor: User) -> CashDeposit:
    found = CashDeposit.objects.select_for_update().filter(pk=deposit.pk).first()
    if found is None:
        access_deny(actor, object_type="cash.cashdeposit", object_id=deposit.pk, message=_("No such deposit."))
    return found


def _mint(deposit: CashDeposit, actor: User) -> CashDeposit:
    account = _account(deposit.currency)
    wallet = holder_wallet(deposit.holder, deposit.wallet)
    action = cash_mint(account=account, holder=deposit.holder, wallet=wallet, amount=deposit.amount,
                       units=base_units(clean_money(deposit.amount, deposit.currency)), reference=deposit.reference,
                       actor=actor)
    transition(deposit, to=CashDeposit.Status.MINTED, actor=actor)
    CashDeposit.objects.filter(pk=deposit.pk).update(action=action)
    deposit.action = action
    return deposit


def _clean_receipt(bank_reference: str, value_date: object) -> tuple[str, dt.date]:
    bank_reference = (bank_reference or "").strip()
    if not bank_reference or len(bank_reference) > 64:
        message = _("Enter the bank's reference of the transfer (at most 64 characters).")
        raise ApplicationError(message, code="bank_reference_required", fields={"bank_reference": [message]})
    if isinstance(value_date, str):
        try:
            value_date = dt.date.fromisoformat(value_date.strip())
        except ValueError:
            value_date = None
    if not isinstance(value_date, dt.date) or isinstance(value_date, dt.datetime) or value_date > business_today():
        message = _("Enter the value date of the transfer (YYYY-MM-DD, not in the future).")
        raise ApplicationError(message, code="invalid_value_date", fields={"value_date": [message]})
    return bank_reference, value_date


@transaction.atomic(durable=True)
def deposit_receipt_record(*, deposit: CashDeposit, amount: object, bank_reference: str, value_date: object,
                           actor: User) -> CashDeposit:
    """A cash agent records that the transfer arrived: the amount must match the request.
    Up to the currency's approval limit the cash is minted at once; above it the deposit
    waits for a second cash agent (deposit_approve)."""
    policy_ensure(actor, Action.CASH_DEPOSIT_RECORD)
    deposit = _locked(deposit, actor)
    bank_reference, value_date = _clean_receipt(bank_reference, value_date)
    money = clean_money(amount, deposit.currency)
    if money.amount != deposit.amount:
        message = _("The amount received (%(got)s) differs from the amount requested (%(want)s): cancel the "
                    "deposit and return the money.") % {"got": money.amount, "want": deposit.amount}
        raise ApplicationError(message, code="amount_mismatch", fields={"amount": [message]})
    if deposit.status != CashDeposit.Status.REQUESTED:
        raise ConflictError(_("This deposit was recorded already (%(status)s).")
                            % {"status": deposit.get_status_display()}, code="invalid_transition")
    CashDeposit.objects.filter(pk=deposit.pk).update(bank_reference=bank_reference, value_date=value_date,
                                                     recorded_by=actor)
    deposit.bank_reference, deposit.value_date, deposit.recorded_by = bank_reference, value_date, actor
    if deposit.amount > approval_limit(deposit.currency):
        deposit = transition(deposit, to=CashDeposit.Status.RECEIVED, actor=actor)
    else:
        # The register's row locks (the cash token's book) before any audit event: the audit
        # chain's lock is global and every register use case takes it last (else a deadlock).
        deposit = _mint(deposit, actor)
    trust_bank_join(actor)
    audit_record(action="cashdeposit.receipt_recorded", actor=actor, obj=deposit,
                 new={"bank_reference": bank_reference, "value_date": value_date.isoformat(),
                      "amount": str(money.amount)})
    return deposit


@transaction.atomic(durable=True)
def deposit_approve(*, deposit: CashDeposit, actor: User) -> CashDeposit:
    """The second cash agent's approval of a deposit above the limit: mints it."""
    policy_ensure(actor, Action.CASH_DEPOSIT_RECORD)
    deposit = _locked(deposit, actor)
    if deposit.status != CashDeposit.Status.RECEIVED:
        raise ConflictError(_("This deposit is not awaiting a second approval."), code="invalid_transition")
    if deposit.recorded_by_id == actor.pk:
        raise PermissionDeniedError(_("A different cash agent must approve the deposit you recorded."),
                                    code="second_agent_required")
    CashDeposit.objects.filter(pk=deposit.pk).update(approved_by=actor)
    deposit.approved_by = actor
    deposit = _mint(deposit, actor)   # its row locks before any audit event (see deposit_receipt_record)
    trust_bank_join(actor)
    return deposit


@transaction.atomic(durable=True)
def deposit_cancel(*, deposit: CashDeposit, reason: str, actor: User) -> CashDeposit:
    """A cash agent cancels a deposit not minted (no transfer came, or the amount differed)."""
    policy_ensure(actor, Action.CASH_DEPOSIT_RECORD)
    deposit = _locked(deposit, actor)
    reason = (reason or "").strip()
    if not reason:
        message = _("Give a reason.")
        raise ApplicationError(message, code="reason_required", fields={"reason": [message]})
    if deposit.status not in (CashDeposit.Status.REQUESTED, CashDeposit.Status.RECEIVED):
        raise ConflictError(_("Only a deposit not yet credited can be cancelled."), code="invalid_transition")
    return transition(deposit, to=CashDeposit.Status.CANCELLED, actor=actor, reason=reason[:2000])

