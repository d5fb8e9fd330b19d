"""The issuer's servicing pages: a security's corporate actions (its schedule, upcoming and
past actions with the funds check, the declare form) and one action's payment run (totals,
progress, the lines page by page, CSV, pay now, and for off-chain actions the payment file and
the bank reference form). Who sees what: servicing.selectors_pages; who may act: the services
(accounts.policy), whose refusals show on the page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core import csvsafe
from core.audit import audit_refused_access
from core.errors import ApplicationError, NotFoundError
from core.forms import apply_error
from core.views import run_with_message
from issuance.schedule import ScheduleError, bond_schedule

from . import selectors_pages as reads
from . import services
from .forms import DECLARABLE, CancelForm, DeclareForm, MarkPaidForm
from .models import CorporateAction, EntitlementLine
from .permissions import may
from .services.actions import chain_method_available

LINE_COLUMNS = ["line", "investor", "name", "wallet", "units_base", "redeem_units_base", "gross", "withheld", "net",
                "principal", "currency", "tax_rate_percent", "tax_category", "residence", "status", "reference",
                "paid_at"]


def _schedule(security) -> tuple[list, str]:
    """A bond's coupon schedule, or [] and why it cannot be computed."""
    if security.kind != "bond":
        return [], ""
    try:
        return bond_schedule(security), ""
    except ScheduleError as error:
        return [], error.message


def _security_page(request, security, form: DeclareForm) -> HttpResponse:
    actions = list(reads.actions_of(security=security))
    upcoming = [(a, reads.funds_check(action=a)) for a in actions if a.status in reads.OPEN]
    past = [a for a in actions if a.status not in reads.OPEN]
    schedule, schedule_error = _schedule(security)
    org = security.issuer.organization_id
    context = {
        "security": security, "upcoming": upcoming, "past": past, "schedule": schedule,
        "schedule_error": schedule_error, "form": form,
        "may_declare": bool(DECLARABLE.get(security.kind)) and may(request.user, "corporate_action.declare", org),
    }
    return render(request, "servicing/security.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def security_actions(request, pk: int):
    """A security's corporate actions; an issuer admin declares a dividend, a distribution or a call here."""
    security = reads.security_get_for(user=request.user, pk=pk)
    if request.method != "POST":
        method = "chain" if chain_method_available(security) else "offchain"
        return _security_page(request, security, DeclareForm(security=security, initial={"method": method}))
    form = DeclareForm(request.POST, security=security)
    if form.is_valid():
        try:
            action = services.action_declare(security=security, actor=request.user, **form.values())
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Corporate action declared: it waits for a second person's approval."))
            return redirect("servicing:action", action.pk)
    return _security_page(request, security, form)


def _action_step(request, action: CorporateAction) -> None:
    step = request.POST.get("step")
    if step == "pay":
        run_with_message(request, lambda: services.payment_run(action=action, actor=request.user),
                         _("Payment run started: the lines due are on their way."), reraise=(NotFoundError,))
    elif step == "cancel":
        form = CancelForm(request.POST)
        run_with_message(request, lambda: services.action_cancel(
            action=action, reason=form.cleaned_data["reason"], actor=request.user),
            _("Corporate action cancelled."), form=form, reraise=(NotFoundError,))
    elif step == "mark_paid":
        form = MarkPaidForm(request.POST)
        run_with_message(request, lambda: services.lines_mark_paid(
            action=action, reference=form.cleaned_data["reference"], line_ids=form.cleaned_data["lines"],
            actor=request.user), _("Lines marked paid with the bank reference."), form=form,
            reraise=(NotFoundError,))
    else:
        messages.error(request, _("Unknown step."))


@login_required
@require_http_methods(["GET", "POST"])
def action_detail(request, pk: int):
    """One action's payment run: status, totals, progress, the lines; pay now; off-chain: the
    payment file and the bank reference."""
    action = reads.action_get_for(user=request.user, pk=pk)
    if request.method == "POST":
        _action_step(request, action)
        return redirect("servicing:action", action.pk)
    progress = reads.lines_progress(action=action)
    status = request.GET.get("status", "")
    org = action.security.issuer.organization_id
    context = {
        "action": action, "security": action.security, "progress": progress,
        "percent": (100 * progress["paid"] // progress["total"]) if progress["total"] else 0,
        "page": reads.lines_page(action=action, page=request.GET.get("page"), status=status),
        "status": status if status in EntitlementLine.Status.values else "",
        "statuses": EntitlementLine.Status.choices,
        "funds": reads.funds_check(action=action) if action.status in reads.OPEN else None,
        "batches": action.batches.order_by("id")[:200],
        "may_pay": may(request.user, "corporate_action.pay", org) and action.status in (
            CorporateAction.Status.RECORDED, CorporateAction.Status.PAYING),
        "offchain": action.method == CorporateAction.Method.OFFCHAIN,
        "mark_form": MarkPaidForm(),
        "may_cancel": may(request.user, "corporate_action.cancel", org) and action.status in (
            CorporateAction.Status.SCHEDULED, CorporateAction.Status.BLOCKED),
    }
    return render(request, "servicing/action.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _line_rows(action: CorporateAction):
    writer = csvsafe.writer(_Echo())  # names and references are people's text: no formulas
    yield writer.writerow(LINE_COLUMNS)
    lines = action.lines.select_related("investor").order_by("id")
    for line in lines.iterator(chunk_size=1000):
        yield writer.writerow([
            line.pk, line.investor.email, line.investor.full_name, line.wallet, int(line.units),
            int(line.redeem_units), line.gross, line.withheld, line.net, line.principal, action.currency,
            line.tax_rate, line.tax_category, line.residence, line.status, line.paid_reference,
            line.paid_at.isoformat() if line.paid_at else ""])


@login_required
@require_GET
def action_lines_csv(request, pk: int):
    """Every line of the action as CSV (formula-safe), streamed: an action may have 10,000 lines."""
    action = reads.action_get_for(user=request.user, pk=pk)
    response = StreamingHttpResponse(_line_rows(action), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="action-{action.pk}-lines.csv"'
    return response


@login_required
@require_GET
def action_payment_file(request, pk: int):
    """The bank payment file of an off-chain action (the lines still due)."""
    action = reads.action_get_for(user=request.user, pk=pk)
    try:
        text = services.payment_file(action=action, actor=request.user)
    except NotFoundError:
        raise
    except ApplicationError as error:
        audit_refused_access(error)
        messages.error(request, error.message)
        return redirect("servicing:action", action.pk)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="payment-file-{action.pk}.csv"'
    return response
