"""The staff desk of the paying agent: compliance officers and cash agents approve the actions
an issuer declared or the schedule created (four eyes: never the person who created one) or
cancel them with a reason; operators watch the blocked actions and those the paying account
could not cover. The desk refuses other roles (403) before it reads any action."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.access import access_deny
from accounts.models import Role
from accounts.policy import Refusal
from core.forms import page_int
from core.views import run_with_message

from . import selectors_pages as reads
from . import services
from .forms import CancelForm
from .permissions import may

DESK_ROLES = frozenset({Role.COMPLIANCE, Role.CASH_AGENT, Role.OPERATOR})
APPROVER_ROLES = frozenset({Role.COMPLIANCE, Role.CASH_AGENT})
DESK_REFUSED = Refusal(403, "servicing_desk_required", gettext_lazy(
    "Only compliance officers, cash agents and operators use the corporate actions desk."))


def desk_gate(user) -> None:
    """The desk is for compliance officers, cash agents and operators; anyone else gets 403."""
    if not (user.is_authenticated and user.role in DESK_ROLES):
        access_deny(user, object_type="servicing.corporateaction", refusal=DESK_REFUSED)



def _desk_step(request) -> None:
    step = request.POST.get("step")
    action = reads.action_get_for(user=request.user, pk=page_int(request.POST.get("action")) or 0)
    if step == "approve":
        run_with_message(request, lambda: services.action_approve(action=action, actor=request.user),
                         _("Corporate action approved."))
    elif step == "cancel":
        form = CancelForm(request.POST)
        run_with_message(request, lambda: services.action_cancel(
            action=action, reason=form.cleaned_data["reason"], actor=request.user),
            _("Corporate action cancelled."), form=form)
    else:
        messages.error(request, _("Unknown step."))


@login_required
@require_http_methods(["GET", "POST"])
def desk(request):
    desk_gate(request.user)
    if request.method == "POST":
        _desk_step(request)
        return redirect("servicing:desk")
    queues = reads.desk_queues()
    to_approve = [(a, reads.lines_progress(action=a)) for a in queues["to_approve"]]
    context = {"to_approve": to_approve, "blocked": queues["blocked"],
               "short": [(a, reads.funds_check(action=a)) for a in queues["short"]],
               "approver": request.user.role in APPROVER_ROLES,
               "canceller": may(request.user, "corporate_action.cancel")}
    return render(request, "servicing/desk.html", context)
