"""The operator's page of the chain mirror (mounted at /chain/): outbox depth, oldest
pending age, failures and dead letters with a retry button, signer and last confirmation,
refreshed by htmx polling. Operators only; anyone else gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services


@login_required
@require_GET
def mirror(request):  # noqa: ANN001, ANN201
    selectors.operator_required(user=request.user)
    return render(request, "chain/mirror.html", {"status": selectors.mirror_status()})


@login_required
@require_GET
def mirror_status(request):  # noqa: ANN001, ANN201
    """The part of the page htmx reloads every few seconds."""
    selectors.operator_required(user=request.user)
    return render(request, "chain/_mirror_status.html", {"status": selectors.mirror_status()})


@login_required
@require_POST
def outbox_retry(request, pk: int):  # noqa: ANN001, ANN201
    entry = selectors.failed_entry_get_for(user=request.user, pk=pk)
    services.outbox_retry(entry=entry, actor=request.user)
    messages.success(request, _("The action was queued again."))
    return redirect("chain:mirror")
