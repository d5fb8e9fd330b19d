"""Register pages: the issuer's cap table and action history (with settlement and controls),
the investor's holdings, and the compliance desk's forced transfers and recoveries. Each view
parses input, calls one service or selector, renders."""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import is_officer, is_staff_reader, member_role
from accounts.policy import Action, policy_allows
from core import csvsafe
from core.clock import business_today
from core.errors import ApplicationError
from core.forms import fold_fullwidth, form_error_message, page_ints
from core.money import to_base_units
from core.views import run_with_message
from issuance.selectors import issuer_for, securities_for, subscription_get_for_issuer

from . import captable_selectors, selectors, services
from .charts import price_chart
from .forms import RegisterInput
from .trade_selectors import trades_of_security


def _as_of(request) -> date | None:
    """?as_of=YYYY-MM-DD (full-width digits folded, as on every page), else None."""
    try:
        return date.fromisoformat(fold_fullwidth(request.GET.get("as_of", "")))
    except ValueError:
        return None


def _input(request, security=None) -> dict | None:
    """The page's fields (RegisterInput), or None after showing what is wrong with them. With
    `security`, the amount (units, as the pages show them) becomes base units (_in_base_units)."""
    form = RegisterInput(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_message(form))
        return None
    values = form.values()
    return values if security is None else _in_base_units(request, values, security)


def _in_base_units(request, values: dict, security) -> dict | None:
    """`values` with its amount in the security's base units (1.5 units of a 6-decimal fund:
    1500000), or None after showing why it cannot be (finer than the token counts, too large)."""
    if values["amount"] != "":
        try:
            values["amount"] = to_base_units(values["amount"], security.decimals)
        except ApplicationError as error:
            messages.error(request, error.message)
            return None
    return values


@login_required
def ledger_home(request):
    """Issuer side: the issuer's securities; compliance/operators: every security."""
    if is_staff_reader(request.user):
        securities = selectors.securities_latest()
    else:
        issuer = issuer_for(user=request.user)
        securities = securities_for(issuer=issuer) if issuer else []
    return render(request, "ledger/home.html", {"securities": securities})


#: The latest actions under the cap table (the whole history: GET /api/ledger/securities/<id>/actions/).
ACTIONS_SHOWN = 50
# what the page offers (accounts/policy.py), read with one query for the member's role
PAGE_ACTIONS = {"settle": "subscription.settle", "transfer": "tokens.transfer", "redeem": "tokens.redeem",
                "freeze": "tokens.freeze", "freeze_wallet": "wallet.freeze", "pause": "security.pause"}


def _may(user, organization_id: int) -> dict[str, bool]:
    role = member_role(user, organization_id)
    return {k: policy_allows(user, Action(a), organization_id=organization_id, member_role=role)
            for k, a in PAGE_ACTIONS.items()}


@login_required
def cap_table(request, pk: int):
    """One page of holders (keyset: ?sort=balance|name, ?q= investor or 0x wallet prefix,
    ?cursor=), the totals and the ownership chart; a bad sort, search or cursor shows the
    first page again with the error (400)."""
    security = selectors.ledger_security_get_for(user=request.user, pk=pk)
    as_of = _as_of(request)
    query = {k: request.GET.get(k, "") for k in ("sort", "q", "cursor")}
    error = None
    try:
        page = captable_selectors.cap_table_page(security=security, as_of=as_of, sort=query["sort"],
                                                 search=query["q"], cursor=query["cursor"])
    except captable_selectors.CapTableInputError as refused:
        error = refused
        page = captable_selectors.cap_table_page(security=security, as_of=as_of)
    context = {
        "security": security, "page": page, "rows": page.rows, "as_of": as_of or business_today(),
        "query_error": error, "sort": query["sort"] if error is None else page.sort,
        "q": query["q"][:captable_selectors.SEARCH_MAX],
        "book": selectors.control_book_for(security=security),
        "ready": selectors.subscriptions_ready(security=security),
        "actions": selectors.actions_of_security(security=security, limit=ACTIONS_SHOWN),
        "may": _may(request.user, security.issuer.organization_id),
    }
    base = {"as_of": page.as_of.isoformat() if page.as_of else "", "sort": page.sort, "q": page.search}
    context.update({f"link_{k}": "?" + urlencode(base | {"cursor": c}) for k, c in
                    (("next", page.next), ("previous", page.previous)) if c})
    history = trades_of_security(security=security)
    context.update(trades=list(reversed(history)), chart=price_chart(history))
    return render(request, "ledger/cap_table.html", context, status=400 if error else 200)


CSV_BATCH = 2000


def _csv_lines(rows, as_of: date):
    """The CSV in pieces of CSV_BATCH rows (one write to the client per piece, not per row)."""
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer)  # names and e-mails are investors' text: no formulas
    writer.writerow(["investor", "name", "wallets", "balance_base_units", "frozen_base_units", "percent", "as_of"])
    day = as_of.isoformat()
    for n, row in enumerate(rows, start=1):
        writer.writerow([row.email, row.full_name, " ".join(row.wallets), row.balance, row.frozen, row.percent, day])
        if n % CSV_BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@login_required
def cap_table_csv(request, pk: int):
    """Every holder, streamed (a server-side cursor feeds the response as it is sent)."""
    security = selectors.ledger_security_get_for(user=request.user, pk=pk)
    as_of = _as_of(request) or business_today()
    rows = captable_selectors.cap_table_rows(security=security, as_of=as_of)
    response = StreamingHttpResponse(_csv_lines(rows, as_of), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cap-table-{security.symbol}-{as_of}.csv"'
    return response


@login_required
@require_POST
def subscription_settle(request, pk: int):
    sub = subscription_get_for_issuer(user=request.user, pk=pk)
    run_with_message(request, lambda: services.subscription_settle(subscription=sub, actor=request.user),
                     _("Subscription %(ref)s settled.") % {"ref": sub.payment_reference})
    return redirect("ledger:cap-table", sub.offering.security_id)


@login_required
@require_POST
def subscriptions_settle(request, pk: int):
    security = selectors.ledger_security_get_for(user=request.user, pk=pk)
    ids = page_ints(request.POST.getlist("subscriptions"))
    subs = selectors.subscriptions_of_security(security=security, pks=ids)
    if not subs:
        messages.error(request, _("Select at least one subscription."))
    else:
        run_with_message(request, lambda: services.subscriptions_settle(subscriptions=subs, actor=request.user),
                         _("%(n)s subscriptions settled.") % {"n": len(subs)})
    return redirect("ledger:cap-table", security.pk)


CONTROLS = {
    "transfer": lambda s, p, u: services.tokens_transfer(
        security=s, from_wallet=p.get("wallet", ""), to_wallet=p.get("to_wallet", ""), amount=p.get("amount", ""),
        reason=p.get("reason", ""), actor=u),
    "redeem": lambda s, p, u: services.tokens_redeem(
        security=s, wallet=p.get("wallet", ""), amount=p.get("amount", ""), reason=p.get("reason", ""), actor=u),
    "freeze_tokens": lambda s, p, u: services.tokens_freeze(
        security=s, wallet=p.get("wallet", ""), amount=p.get("amount", ""), reason=p.get("reason", ""), actor=u),
    "unfreeze_tokens": lambda s, p, u: services.tokens_unfreeze(
        security=s, wallet=p.get("wallet", ""), amount=p.get("amount", ""), reason=p.get("reason", ""), actor=u),
    "freeze_wallet": lambda s, p, u: services.wallet_freeze(
        security=s, wallet=p.get("wallet", ""), reason=p.get("reason", ""), actor=u),
    "unfreeze_wallet": lambda s, p, u: services.wallet_unfreeze(
        security=s, wallet=p.get("wallet", ""), reason=p.get("reason", ""), actor=u),
    "pause": lambda s, p, u: services.security_pause(security=s, reason=p.get("reason", ""), actor=u),
    "unpause": lambda s, p, u: services.security_unpause(security=s, reason=p.get("reason", ""), actor=u),
}


@login_required
@require_POST
def control(request, pk: int, op: str):
    security = selectors.ledger_security_get_for(user=request.user, pk=pk)
    fn = CONTROLS.get(op)
    if fn is None:
        messages.error(request, _("Unknown operation."))
    elif (data := _input(request, security)) is not None:
        run_with_message(request, lambda: fn(security, data, request.user), _("Done: the chain will follow."))
    return redirect("ledger:cap-table", security.pk)


@login_required
def holdings(request):
    positions = list(selectors.holdings_of_investor(user=request.user))
    rows = [(p, selectors.transferable_for(position=p)) for p in positions]
    return render(request, "ledger/holdings.html", {
        "rows": rows, "actions": selectors.actions_of_investor(user=request.user, limit=200),
    })


@login_required
@require_POST
def transfer_request(request, pk: int):
    position = selectors.position_get_for_investor(user=request.user, pk=pk)
    if (data := _input(request, position.security)) is not None:
        run_with_message(request, lambda: services.transfer_request_create(
            security=position.security, from_wallet=position.wallet, to_wallet=data["to_wallet"],
            amount=data["amount"], actor=request.user), _("Transfer recorded: the chain will follow."))
    return redirect("ledger:holdings")


@login_required
def requests_desk(request):
    if request.method == "POST":
        data = _input(request)
        if data is None:
            return redirect("ledger:requests")
        if not data["security"]:
            messages.error(request, _("Choose a security."))
            return redirect("ledger:requests")
        security = selectors.ledger_security_get_for(user=request.user, pk=data["security"])
        if (data := _in_base_units(request, data, security)) is None:
            return redirect("ledger:requests")
        if data["kind"] == "recover":
            fn = lambda: services.wallet_recovery_request(  # noqa: E731
                security=security, lost_wallet=data["from_wallet"], new_wallet=data["to_wallet"], reason=data["reason"],
                actor=request.user)
        else:
            fn = lambda: services.forced_transfer_request(  # noqa: E731
                security=security, from_wallet=data["from_wallet"], to_wallet=data["to_wallet"], amount=data["amount"],
                reason=data["reason"], actor=request.user)
        run_with_message(request, fn, _("Request recorded: a second officer must approve it."))
        return redirect("ledger:requests")
    return render(request, "ledger/requests.html", {
        "pending": selectors.compliance_requests(actor=request.user),
        "decided": selectors.compliance_requests(actor=request.user, status="", limit=100),
        "securities": selectors.securities_by_name() if is_officer(request.user) else [],
    })


DECISIONS = ("approve", "reject")


@login_required
@require_POST
def request_decide(request, pk: int, decision: str):
    req = selectors.compliance_request_get_for(actor=request.user, pk=pk)
    if decision not in DECISIONS:  # a 400 page, as the API refuses it; never taken as a rejection
        raise ApplicationError(_("Unknown decision: approve or reject."), code="unknown_decision")
    data = _input(request)
    if data is None:
        return redirect("ledger:requests")
    reason = data["reason"]
    if decision == "approve":
        run_with_message(request, lambda: services.compliance_request_approve(request=req, actor=request.user,
                                                                              reason=reason),
                         _("Approved and executed."))
    else:
        run_with_message(request, lambda: services.compliance_request_reject(request=req, actor=request.user,
                                                                             reason=reason),
                         _("Rejected."))
    return redirect("ledger:requests")
