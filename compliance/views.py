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
from investors.tax import tax_profile_set, tax_situation

from . import selectors, services
from .forms import DecisionForm, QueueFilterForm, TaxProfileForm


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
    return _review_page(request, pk, form=form)


def _review_page(request, pk: int, *, form=None, tax_form=None):
    review = services.review_open(review_id=pk, actor=request.user)
    profile = review.profile
    situation = tax_situation(user=profile.user)
    form = DecisionForm() if form is None else form
    tax_form = tax_form if tax_form is not None else TaxProfileForm(initial={
        "exemption": situation.exemption, "treaty_rate": situation.treaty_rate, "basis": situation.basis})
    context = {
        "review": review, "profile": profile, "form": form, "tax": situation, "tax_form": tax_form,
        "documents": documents_for(user=profile.user), "wallets": wallets_for(user=profile.user),
        "history": profile.reviews.exclude(pk=review.pk).order_by("-id")[:10],
    }
    return render(request, "compliance/review.html", context, status=400 if form.errors or tax_form.errors else 200)


@login_required
@require_POST
def review_tax_profile(request, pk: int):
    """The investor's withholding exemption or treaty rate, set from their review (officers)."""
    desk_ensure(request.user, Action.TAX_PROFILE_SET, object_type="compliance.kycreview", object_id=pk)
    form = TaxProfileForm(request.POST)
    if form.is_valid():
        review = services.review_open(review_id=pk, actor=request.user)
        data = form.cleaned_data
        try:
            tax_profile_set(investor=review.profile.user, exemption=data["exemption"],
                            treaty_rate=data["treaty_rate"], basis=data["basis"], actor=request.user)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("The tax profile was saved."))
            return redirect("compliance:review", pk=pk)
    return _review_page(request, pk, tax_form=form)


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
