"""Pages of the cash app: the investor's cash, the cash agent's desk and the issuer's
treasury. Each POST names its step (`step`), calls one service and says how it went."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import access_deny, desk_ensure, investor_self_ensure
from accounts.policy import Action, policy_ensure
from core.views import run_with_message

from . import selectors, services
from .models import CashDeposit, CashWithdrawal
from .services.deposits import approval_limit


def _holder_page(request, holder, context: dict, template: str):
    context.update({
        "balances": selectors.balances_of(holder=holder),
        "deposits": CashDeposit.objects.filter(holder=holder).order_by("-id")[:50],
        "withdrawals": CashWithdrawal.objects.filter(holder=holder).order_by("-id")[:50],
        "currencies": selectors.currencies(),
        "accounts": selectors.bank_accounts(),
    })
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def mine(request):
    """The investor's cash: balances per currency (held and frozen shown), deposit
    instructions, withdrawals and history."""
    investor_self_ensure(request.user)
    if request.method == "POST":
        data, step = request.POST, request.POST.get("step")
        if step == "deposit":
            run_with_message(request, lambda: services.deposit_request(
                holder=request.user, currency=data.get("currency", ""), amount=data.get("amount", ""),
                actor=request.user), _("Deposit requested: transfer the amount with the reference shown below."))
        elif step == "withdraw":
            run_with_message(request, lambda: services.withdrawal_request(
                holder=request.user, currency=data.get("currency", ""), amount=data.get("amount", ""),
                payout_details=data.get("payout_details", ""), actor=request.user),
                _("Withdrawal recorded: the tokens are burned and the trust bank will pay you."))
        return redirect("cash:mine")
    return _holder_page(request, request.user, {}, "cash/mine.html")


@login_required
@require_http_methods(["GET", "POST"])
def treasury(request):
    """The issuer's treasury: its cash, deposits and withdrawals (issuer admins act)."""
    issuer = selectors.treasury_issuer_for(actor=request.user)
    if issuer is None:
        access_deny(request.user, object_type="issuance.issuer", message=_("No issuer treasury."))
    if request.method == "POST":
        data, step = request.POST, request.POST.get("step")
        if step == "deposit":
            run_with_message(request, lambda: services.treasury_deposit_request(
                issuer=issuer, currency=data.get("currency", ""), amount=data.get("amount", ""),
                actor=request.user), _("Deposit requested: transfer the amount with the reference shown below."))
        elif step == "withdraw":
            run_with_message(request, lambda: services.treasury_withdrawal_request(
                issuer=issuer, currency=data.get("currency", ""), amount=data.get("amount", ""),
                payout_details=data.get("payout_details", ""), actor=request.user),
                _("Withdrawal recorded: the tokens are burned and the trust bank will pay you."))
        return redirect("cash:treasury")
    policy_ensure(request.user, Action.TREASURY_CASH, organization_id=issuer.organization_id)
    if issuer.treasury is None:
        return render(request, "cash/treasury.html", {"issuer": issuer})
    return _holder_page(request, issuer.treasury, {"issuer": issuer}, "cash/treasury.html")


def _desk_step(request) -> None:
    data, step, actor = request.POST, request.POST.get("step"), request.user
    if step == "create_token":
        run_with_message(request, lambda: services.cash_token_create(currency=data.get("currency", ""), actor=actor),
                         _("The cash token is ready; its deployment is queued."))
        return
    if step == "pay":
        withdrawal = selectors.withdrawal_get_for(actor=actor, pk=_pk(data.get("withdrawal")))
        run_with_message(request, lambda: services.withdrawal_mark_paid(
            withdrawal=withdrawal, paid_reference=data.get("paid_reference", ""), actor=actor),
            _("Payout recorded."))
        return
    deposit = selectors.deposit_get_for(actor=actor, pk=_pk(data.get("deposit")))
    if step == "record":
        run_with_message(request, lambda: services.deposit_receipt_record(
            deposit=deposit, amount=data.get("amount", ""), bank_reference=data.get("bank_reference", ""),
            value_date=data.get("value_date", ""), actor=actor), _("Receipt recorded."))
    elif step == "approve":
        run_with_message(request, lambda: services.deposit_approve(deposit=deposit, actor=actor),
                         _("Deposit approved and credited."))
    elif step == "cancel":
        run_with_message(request, lambda: services.deposit_cancel(deposit=deposit, reason=data.get("reason", ""),
                                                                  actor=actor), _("Deposit cancelled."))


def _pk(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@login_required
@require_http_methods(["GET", "POST"])
def desk(request):
    """The cash agent's desk: deposits to record or approve, payouts to make, and each trust
    account against its cash token's control book."""
    desk_ensure(request.user, Action.CASH_DEPOSIT_RECORD, object_type="cash.cashdeposit")
    if request.method == "POST":
        _desk_step(request)
        return redirect("cash:desk")
    context = {**selectors.desk_queues(actor=request.user), "trust": selectors.trust_overview(actor=request.user),
               "limits": {c: approval_limit(c) for c in selectors.currencies()}}
    return render(request, "cash/desk.html", context)
