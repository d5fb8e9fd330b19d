"""The operator's page of the chain mirror (mounted at /chain/): outbox depth, oldest
pending age, failures and dead letters with a retry button, signer and last confirmation,
open breaks and the last reconciliation, refreshed by htmx polling. Operators only; anyone
else gets 403 (accounts.access). The breaks page (operators and compliance officers) lists breaks, resolves
them with a reason and runs a reconciliation on demand."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.forms import ReasonInput
from core.views import run_with_message

from . import selectors, services
from .models import Break


@login_required
@require_GET
def mirror(request):
    selectors.operator_required(user=request.user)
    return render(request, "chain/mirror.html", {"status": selectors.mirror_status(),
                                                 "open_breaks": selectors.open_break_count(),
                                                 "last": selectors.last_reconciliation()})


@login_required
@require_GET
def mirror_status(request):
    """The part of the page htmx reloads every few seconds."""
    selectors.operator_required(user=request.user)
    return render(request, "chain/_mirror_status.html", {"status": selectors.mirror_status(),
                                                         "open_breaks": selectors.open_break_count(),
                                                         "last": selectors.last_reconciliation()})


@login_required
@require_POST
def outbox_retry(request, pk: int):
    entry = selectors.failed_entry_get_for(user=request.user, pk=pk)
    services.outbox_retry(entry=entry, actor=request.user)
    messages.success(request, _("The action was queued again."))
    return redirect("chain:mirror")


# ---------------------------------------------------------------- breaks (operators, compliance)

@login_required
@require_GET
def breaks(request):
    """Open breaks (or all with ?status=all), the last reconciliation, and "reconcile now"."""
    status = request.GET.get("status", "open")
    rows = selectors.break_list(user=request.user, status=None if status == "all" else Break.Status.OPEN)
    return render(request, "chain/breaks.html", {"breaks": rows, "show_all": status == "all",
                                                 "last": selectors.last_reconciliation()})


@login_required
@require_POST
def break_resolve(request, pk: int):
    brk = selectors.break_get_for(user=request.user, pk=pk)
    form = ReasonInput(request.POST)
    run_with_message(request, lambda: services.break_resolve(brk=brk, reason=form.cleaned_data["reason"],
                                                             actor=request.user),
                     _("The break was resolved."), form=form)
    return redirect("chain:breaks")


@login_required
@require_POST
def reconcile(request):
    selectors.break_desk_required(user=request.user, what="chain.reconciliation")
    run = services.reconcile_now(actor=request.user)
    if run.error:
        messages.error(request, _("The reconciliation stopped: %(error)s") % {"error": run.error})
    else:
        messages.success(request, _("Reconciled %(n)d securities: %(breaks)d differences, %(new)d new.") % {
            "n": run.securities_checked, "breaks": run.breaks_found, "new": run.breaks_new})
    return redirect("chain:breaks")
