"""Pages of compliance: the investor's "submit for review" action and the review desk.
Access is checked in the services and selectors (non-officers get 404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import desk_ensure
from accounts.policy import Action
from core.errors import ApplicationError
from core.forms import apply_error
from core.views import run_with_message
from investors.selectors import documents_for, wallets_for

from . import selectors, services
from .forms import DecisionForm, QueueFilterForm


@login_required
@require_POST
def kyc_submit(request):
    run_with_message(request, lambda: services.kyc_submit(user=request.user, actor=request.user),
                     _("Thank you. Your information was sent for review."))
    return redirect("investors:profile")


@login_required
@require_GET
def queue(request):
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    reviews = selectors.reviews_queue(
        actor=request.user, status=filters.get("status", ""), country=filters.get("country", ""),
        risk=filters.get("risk", ""), min_age_days=filters.get("min_age_days"),
    )
    return render(request, "compliance/queue.html",
                  {"form": form if form.is_bound else QueueFilterForm(), "reviews": reviews})


@login_required
@require_http_methods(["GET", "POST"])
def review_detail(request, pk: int):
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        desk_ensure(request.user, Action.KYC_DECIDE, object_type="compliance.kycreview", object_id=pk)
        if form.is_valid():
            data = form.cleaned_data
            try:
                done = _decide(request.user, pk, data)
            except ApplicationError as error:
                apply_error(form, error)
            else:
                messages.success(request, done)
                return redirect("compliance:review", pk=pk)
    review = services.review_open(review_id=pk, actor=request.user)
    profile = review.profile
    context = {
        "review": review, "profile": profile, "form": form,
        "documents": documents_for(user=profile.user), "wallets": wallets_for(user=profile.user),
        "history": profile.reviews.exclude(pk=review.pk).order_by("-id")[:10],
    }
    return render(request, "compliance/review.html", context, status=400 if form.errors else 200)


def _decide(actor, pk: int, data: dict) -> str:
    action, reason = data["action"], data["reason"]
    if action == "approve":
        review = services.review_approve(review_id=pk, reason=reason, expires_on=data["expires_on"] or None,
                                         actor=actor)
        done = (_("First approval recorded; a second officer must approve.") if review.status == "awaiting_second"
                else _("Approved."))
    elif action == "reject":
        services.review_reject(review_id=pk, reason=reason, actor=actor)
        done = _("Rejected.")
    elif action == "request_info":
        services.review_request_info(review_id=pk, reason=reason, actor=actor)
        done = _("More information was requested.")
    else:
        services.review_clear_sanctions(review_id=pk, reason=reason, actor=actor)
        done = _("The sanctions match was cleared.")
    return done
