"""Pages of delivery versus payment: a security's board (offers, the offer form, last trades and
the price chart), an offer with the buyer's pre-check, the authorize page of a settlement (sign
with an injected wallet, paste a signature, or confirm for a wallet the trust bank keeps) and
paying a subscription in the cash token. Who sees what is ledger.settlement_selectors' rule
(404 for anyone else); each view parses input, calls one service, renders."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import NOT_AN_INVESTOR, access_deny, is_staff_reader
from accounts.models import Role
from core.errors import ApplicationError
from core.forms import apply_error
from core.money import to_base_units
from core.views import run_with_message
from investors.models import Wallet
from issuance.models import Subscription
from issuance.models.offerings import SettlementMode
from issuance.selectors import subscription_get_for_investor

from . import services
from . import settlement_selectors as sel
from . import trade_selectors as trades
from .charts import price_chart
from .forms import OfferForm, SignatureForm, WalletChoiceForm
from .models import Settlement, TradeOffer
from .templatetags.trading import whole


def _status(forms) -> int:
    return 400 if any(f.is_bound and f.errors for f in forms) else 200


def _is_investor(user) -> bool:
    return user.role == Role.INVESTOR


# --- the boards ----------------------------------------------------------------------------

@login_required
def boards(request):
    """The boards an investor may open and their settlements; compliance and operators read the
    boards too; any other role gets 403 not_an_investor (a page its role lacks)."""
    investor = _is_investor(request.user)
    if not investor and not is_staff_reader(request.user):
        access_deny(request.user, object_type="ledger.tradeoffer", refusal=NOT_AN_INVESTOR,
                    message=_("Only investors trade on the board."))
    rows = trades.board_securities_for(user=request.user)
    mine = sel.settlements_of(user=request.user)[:50] if investor else []
    return render(request, "ledger/boards.html", {"rows": rows, "settlements": mine})


@login_required
@require_http_methods(["GET", "POST"])
def board(request, pk: int):
    security = trades.board_security_get(user=request.user, pk=pk)
    offers = sel.board_for(user=request.user, security=security)  # 404 for who may not see it
    wallets = trades.seller_wallets(user=request.user, security=security) if _is_investor(request.user) else []
    form = OfferForm(request.POST if request.method == "POST" else None, wallets=wallets)
    if request.method == "POST" and not wallets:
        messages.error(request, _("You hold no units of this security to offer."))
    elif request.method == "POST" and form.is_valid():
        try:
            offer = services.offer_create(
                security=security, wallet=form.chosen_wallet(),
                units=to_base_units(form.cleaned_data["units"], security.decimals),
                unit_price=form.cleaned_data["unit_price"], expires_at=form.cleaned_data["expires_at"],
                actor=request.user)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Your offer is on the board."))
            return redirect("ledger:offer", offer.pk)
    history = trades.trades_of_security(security=security)
    context = {
        "security": security, "offers": offers, "form": form if wallets else None,
        "mine": sel.offers_of(user=request.user).filter(security=security)[:50],
        "trades": list(reversed(history)), "chart": price_chart(history),
    }
    return render(request, "ledger/board.html", context, status=_status([form]))


# --- an offer: pre-check, accept, cancel ---------------------------------------------------

def _offer_page(request, offer: TradeOffer, form: WalletChoiceForm | None = None, *, status: int = 200):
    user = request.user
    buying = _is_investor(user) and user.pk != offer.seller_id and offer.status == TradeOffer.Status.OFFERED
    context = {"offer": offer, "units": whole(offer.units, offer.security), "total": whole(offer.price, offer.cash),
               "buying": buying,
               "settlement": offer.settlement if user.pk in (offer.seller_id, offer.buyer_id) else None}
    if buying:
        wallets = trades.wallets_of(user=user)
        if form is None:
            form = WalletChoiceForm({"wallet": request.GET.get("wallet", "")}, wallets=wallets)
            if not form.is_valid() and wallets:
                form = WalletChoiceForm({"wallet": wallets[0].address}, wallets=wallets)
        chosen = form.wallets.get(form.data.get("wallet", ""))
        context.update(form=form, wallets=wallets)
        if chosen is not None:
            try:
                context["precheck"] = services.offer_precheck(offer=offer, buyer=user, wallet=chosen)
            except ApplicationError as error:
                context["precheck_error"] = error
    return render(request, "ledger/offer.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def offer(request, pk: int):
    found = sel.offer_get_for(user=request.user, pk=pk)
    if request.method == "GET":
        return _offer_page(request, found)
    form = WalletChoiceForm(request.POST, wallets=trades.wallets_of(user=request.user))
    if form.is_valid():
        try:
            settlement = services.offer_accept(offer=found, wallet=form.chosen_wallet(), actor=request.user)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Offer accepted. Authorize the settlement with your wallet."))
            return redirect("ledger:settlement", settlement.pk)
    return _offer_page(request, found, form, status=400)


@login_required
@require_POST
def offer_cancel(request, pk: int):
    found = sel.offer_get_for(user=request.user, pk=pk)
    run_with_message(request, lambda: services.offer_cancel(offer=found, actor=request.user),
                     _("Offer cancelled."))
    return redirect("ledger:offer", found.pk)


# --- authorizing a settlement --------------------------------------------------------------

def _side(settlement: Settlement, user) -> str:
    return "buyer" if user.pk == settlement.buyer_id else "seller" if user.pk == settlement.seller_id else ""


def _settlement_page(request, settlement: Settlement, form: SignatureForm | None = None, *, status: int = 200):
    side = _side(settlement, request.user)
    must_sign = bool(side) and side in settlement.awaiting()
    address = settlement.buyer_wallet if side == "buyer" else settlement.seller_wallet
    wallet = sel.wallet_of(user=request.user, address=address) if side else None
    context = {
        "settlement": settlement, "side": side, "must_sign": must_sign, "wallet": wallet, "address": address,
        "custodied": wallet is not None and wallet.custody == Wallet.Custody.PLATFORM,
        "units": whole(settlement.units, settlement.security), "total": whole(settlement.price, settlement.cash),
        "offer": trades.offer_of(settlement=settlement),
        "form": form or SignatureForm(),
    }
    if must_sign:
        try:
            context["typed"] = sel.settlement_typed_data(settlement)
            context["typed_json"] = json.dumps(context["typed"], indent=2)
        except ApplicationError as error:  # the contract or a token is not deployed yet
            context["typed_error"] = error
    return render(request, "ledger/settlement.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def settlement(request, pk: int):
    found = sel.settlement_get_for(user=request.user, pk=pk)
    if request.method == "GET":
        return _settlement_page(request, found)
    form = SignatureForm(request.POST)
    if form.is_valid():
        try:
            services.settlement_authorize(settlement=found, signature=form.cleaned_data["signature"].strip(),
                                          actor=request.user)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Authorization recorded."))
            return redirect("ledger:settlement", found.pk)
    found.refresh_from_db()
    return _settlement_page(request, found, form, status=400)


@login_required
@require_POST
def settlement_confirm(request, pk: int):
    """The investor confirms the instruction; the trust bank's signer signs for the wallet it keeps."""
    found = sel.settlement_get_for(user=request.user, pk=pk)
    run_with_message(request, lambda: services.settlement_authorize_custodied(settlement=found, actor=request.user),
                     _("Authorization recorded."))
    return redirect("ledger:settlement", found.pk)


# --- paying a subscription in the cash token -----------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def subscription_pay(request, pk: int):
    sub = subscription_get_for_investor(user=request.user, pk=pk)
    wallets = trades.wallets_of(user=request.user)
    form = WalletChoiceForm(request.POST if request.method == "POST" else None, wallets=wallets)
    if request.method == "POST" and form.is_valid():
        try:
            settlement = services.subscription_pay(subscription=sub, wallet=form.chosen_wallet(), actor=request.user)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            return redirect("ledger:settlement", settlement.pk)
    cash = sel.cash_security_for(sub.offering.currency)
    context = {
        "sub": sub, "form": form, "cash": cash, "dvp": sub.offering.settlement_mode == SettlementMode.DVP,
        "payable": sub.status in (Subscription.Status.SIGNED, Subscription.Status.ACCEPTED),
        "balances": trades.cash_free_by_wallet(cash=cash, wallets=wallets),
        "settlements": trades.settlements_of_subscription(subscription=sub),
    }
    return render(request, "ledger/subscription_pay.html", context, status=_status([form]))
