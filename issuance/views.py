"""Issuance pages. Each view parses input, calls one service or selector, renders; a
service's refusal lands on the form (or, for buttons, as an error message)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import desk_ensure, member_role
from accounts.memberships import organization_choice_required
from accounts.policy import Action
from core.clock import business_today
from core.errors import ApplicationError, ConflictError, NotFoundError
from core.forms import apply_error, page_ints
from core.views import run_with_message

from . import eligibility, selectors, services, storage
from .chain_facts import token_address_of
from .forms import (
    ButtonInput,
    FundedForm,
    InviteForm,
    IssuerDocumentForm,
    IssuerForm,
    OfferingDocumentForm,
    OfferingForm,
    ReasonForm,
    SubscribeForm,
)
from .forms_security import SecurityForm
from .models import Issuer, OfferingDocument


def _render(request, template: str, context: dict, forms=()):
    status = 400 if any(f.is_bound and f.errors for f in forms) else 200
    return render(request, f"issuance/{template}", context, status=status)


def _button(request, action, ok: str, target, form=None):
    """Run a POST-button service; show its refusal as a message on the page we return to.
    `form` (bound to the POST) checks the button's own inputs first."""
    run_with_message(request, action, ok, form=form)
    return redirect(*target)


# --- issuer home, onboarding, members ------------------------------------------------------

@login_required
def issuer_home(request):
    if organization_choice_required(user=request.user):
        return redirect(f"{reverse('accounts:organization-choose')}?next={reverse('issuance:home')}")
    issuer = selectors.issuer_for(user=request.user)
    org = selectors.organization_for(user=request.user)
    if issuer is None:
        return render(request, "issuance/issuer_home.html", {"issuer": None, "organization": org})
    role = member_role(request.user, issuer.organization_id)
    context = {"issuer": issuer, "organization": org, "role": role, "is_admin": role == "admin",
               "securities": selectors.securities_for(issuer=issuer),
               "offerings": selectors.offerings_for_issuer(issuer=issuer)}
    return render(request, "issuance/issuer_home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def issuer_apply(request):
    org = selectors.organization_for(user=request.user)
    if org is None:
        raise NotFoundError(_("You do not belong to an organization."), code="no_organization")
    issuer = selectors.issuer_for(user=request.user)
    initial = {f: getattr(issuer, f) for f in services.issuers.FIELDS} if issuer else {"legal_name": org.name}
    form = IssuerForm(request.POST or None, initial=initial)
    doc_form = IssuerDocumentForm()
    if request.method == "POST" and form.is_valid():
        try:
            services.issuer_save(organization=org, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Application saved."))
            return redirect("issuance:issuer-apply")
    return _render(request, "issuer_apply.html", {"form": form, "doc_form": doc_form, "issuer": issuer}, [form])


@login_required
@require_POST
def issuer_document_add(request):
    issuer = selectors.issuer_require(user=request.user)
    form = IssuerDocumentForm(request.POST, request.FILES)
    if form.is_valid():
        run_with_message(request, lambda: services.issuer_document_add(
            issuer=issuer, title=form.cleaned_data["title"], upload=form.cleaned_data["file"], actor=request.user),
            _("Document added."))
    else:
        messages.error(request, _("Give the document a title and choose a file."))
    return redirect("issuance:issuer-apply")


@login_required
@require_POST
def issuer_submit(request):
    issuer = selectors.issuer_require(user=request.user)
    return _button(request, lambda: services.issuer_submit(issuer=issuer, actor=request.user),
                   _("Application submitted to compliance."), ["issuance:home"])


@login_required
@require_http_methods(["GET", "POST"])
def members(request):
    issuer = selectors.issuer_require(user=request.user)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_invite(issuer=issuer, actor=request.user, base_url=request.build_absolute_uri("/"),
                                   **form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Invitation sent."))
            return redirect("issuance:members")
    is_admin = member_role(request.user, issuer.organization_id) == "admin"
    context = {"issuer": issuer, "members": selectors.members_of(issuer=issuer), "form": form, "is_admin": is_admin,
               "invitations": selectors.invitations_of(issuer=issuer) if is_admin else []}
    return _render(request, "members.html", context, [form])


@login_required
@require_POST
def invitation_revoke(request, pk: int):
    issuer = selectors.issuer_require(user=request.user)
    return _button(request, lambda: services.invitation_revoke(issuer=issuer, pk=pk, actor=request.user),
                   _("Invitation revoked."), ["issuance:members"])


@login_required
@require_POST
def member_role_change(request, pk: int):
    issuer = selectors.issuer_require(user=request.user)
    m = selectors.membership_get_for(user=request.user, issuer=issuer, pk=pk)
    return _button(request, lambda: services.member_role_set(membership=m, role=request.POST.get("role", ""),
                                                             actor=request.user),
                   _("Role changed."), ["issuance:members"])


# --- compliance review of issuers -----------------------------------------------------------

@login_required
def issuer_review_list(request):
    desk_ensure(request.user, Action.ISSUER_DECIDE, object_type="issuance.issuer")
    issuers = selectors.issuers_for_review()
    status = request.GET.get("status", "")
    status = status if status in Issuer.Status.values else ""  # the dashboard links to ?status=submitted
    if status:
        issuers = issuers.filter(status=status)
    return render(request, "issuance/issuer_review_list.html", {"issuers": issuers, "status": status})


@login_required
@require_http_methods(["GET", "POST"])
def issuer_review(request, pk: int):
    desk_ensure(request.user, Action.ISSUER_DECIDE, object_type="issuance.issuer", object_id=pk)
    issuer = selectors.issuer_get_for(user=request.user, pk=pk)
    form = ReasonForm(request.POST if request.POST.get("decision") == "reject" else None)
    if request.method == "POST":
        if request.POST.get("decision") not in ("approve", "reject"):  # a 400 page, never a silent no-op
            raise ApplicationError(_("Unknown decision: approve or reject."), code="unknown_decision")
        if request.POST.get("decision") == "approve":
            run_with_message(request, lambda: services.issuer_approve(issuer=issuer, actor=request.user),
                             _("Issuer approved."))
        elif form.is_valid():
            run_with_message(request, lambda: services.issuer_reject(issuer=issuer, reason=form.cleaned_data["reason"],
                                                                     actor=request.user), _("Issuer rejected."))
        else:
            return _render(request, "issuer_review.html", {"issuer": issuer, "form": form}, [form])
        return redirect("issuance:issuer-review", pk=issuer.pk)
    return render(request, "issuance/issuer_review.html", {"issuer": issuer, "form": form})


@login_required
def issuer_document(request, pk: int):
    doc = selectors.issuer_document_get_for(user=request.user, pk=pk)
    return FileResponse(storage.open_document(doc), as_attachment=True, filename=doc.file_name,
                        content_type=doc.content_type)


# --- securities and offerings (issuer side) --------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def security_create(request):
    issuer = selectors.issuer_require(user=request.user)
    form = SecurityForm(request.POST or None)  # no instrument, currency or regulation preselected: a guess
    if request.method == "POST" and form.is_valid():
        try:
            security = services.security_create(issuer=issuer, actor=request.user, **form.service_kwargs())
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Security created."))
            return redirect("issuance:security", pk=security.pk)
    return _render(request, "security_form.html", {"form": form}, [form])


@login_required
def security_detail(request, pk: int):
    security = selectors.security_get_for(user=request.user, pk=pk)
    offerings = selectors.offerings_for_issuer(issuer=security.issuer).filter(security=security)
    return render(request, "issuance/security_detail.html", {"security": security, "offerings": offerings,
                                                              "schedule": selectors.schedule_of(security=security),
                                                              "token_address": token_address_of(security.pk)})


@login_required
@require_http_methods(["GET", "POST"])
def offering_create(request, security_pk: int):
    security = selectors.security_get_for(user=request.user, pk=security_pk)
    form = OfferingForm(request.POST or None, initial={"currency": security.currency, "title": f"{security.name}"})
    if request.method == "POST" and form.is_valid():
        try:
            offering = services.offering_create(security=security, data=form.cleaned_data, actor=request.user)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Offering created as a draft. Attach its documents, then publish."))
            return redirect("issuance:offering", pk=offering.pk)
    return _render(request, "offering_form.html", {"form": form, "security": security}, [form])


@login_required
@require_http_methods(["GET", "POST"])
def offering_edit(request, pk: int):
    """Edit a draft (issuer admins). Others get what the other offering pages give them (404
    for outsiders, 403 for a plain member); a published, closed or cancelled offering sends
    the admin back to it with the reason, and nothing changes."""
    offering = selectors.offering_get_for(user=request.user, pk=pk)
    try:
        services.offering_ensure_editable(offering=offering, actor=request.user)
    except ConflictError as error:
        messages.error(request, error.message)
        return redirect("issuance:offering", pk=pk)
    form = OfferingForm(request.POST or None, initial=OfferingForm.initial_for(offering))
    if request.method == "POST" and form.is_valid():
        try:
            services.offering_update(offering=offering, data=form.cleaned_data, actor=request.user)
        except ConflictError as error:  # published while the form was open
            messages.error(request, error.message)
            return redirect("issuance:offering", pk=pk)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Offering saved."))
            return redirect("issuance:offering", pk=pk)
    return _render(request, "offering_form.html", {"form": form, "security": offering.security, "offering": offering},
                   [form])


@login_required
def offering_detail(request, pk: int):
    offering = selectors.offering_get_for(user=request.user, pk=pk)
    context = {"offering": offering, "doc_form": OfferingDocumentForm(), "funded_form": FundedForm(),
               "reason_form": ReasonForm(),
               "subscriptions": selectors.subscriptions_of_offering(offering=offering),
               "is_member": bool(member_role(request.user, offering.security.issuer.organization_id)),
               "is_admin": member_role(request.user, offering.security.issuer.organization_id) == "admin",
               "schedule": selectors.schedule_of(security=offering.security)}
    return render(request, "issuance/offering_detail.html", context)


@login_required
@require_POST
def offering_document_add(request, pk: int):
    offering = selectors.offering_get_for(user=request.user, pk=pk)
    form = OfferingDocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the document type and a file."))
        return redirect("issuance:offering", pk=pk)
    return _button(request,
                   lambda: services.offering_document_add(offering=offering, kind=form.cleaned_data["kind"],
                                                          upload=form.cleaned_data["file"], actor=request.user),
                   _("Document attached."), ["issuance:offering", pk])


@login_required
@require_POST
def offering_action(request, pk: int, action: str):
    offering = selectors.offering_get_for(user=request.user, pk=pk)
    form = ButtonInput(request.POST)
    reason = lambda: form.cleaned_data["reason"]  # noqa: E731 - read once the form is valid
    actions = {
        "publish": (lambda: services.offering_publish(offering=offering, actor=request.user),
                    _("Offering published. The token deployment is queued.")),
        "close": (lambda: services.offering_close(offering=offering, actor=request.user), _("Offering closed.")),
        "cancel": (lambda: services.offering_cancel(offering=offering, reason=reason(), actor=request.user),
                   _("Offering cancelled.")),
    }
    if action not in actions:
        raise NotFoundError(_("Not found."))
    run, ok = actions[action]
    return _button(request, run, ok, ["issuance:offering", pk], form)


@login_required
@require_POST
def subscription_action(request, pk: int, action: str):
    sub = selectors.subscription_get_for_issuer(user=request.user, pk=pk)
    form = FundedForm(request.POST) if action == "funded" else ButtonInput(request.POST)
    data = lambda: form.cleaned_data  # noqa: E731 - read once the form is valid
    actions = {
        "funded": (lambda: services.subscription_mark_funded(subscription=sub, reference=data()["reference"],
                                                             actor=request.user),
                   _("Funds marked as received.")),
        "accept": (lambda: services.subscription_accept(subscription=sub, actor=request.user),
                   _("Subscription accepted.")),
        "reject": (lambda: services.subscription_reject(subscription=sub, reason=data()["reason"], actor=request.user),
                   _("Subscription rejected.")),
    }
    if action not in actions:
        raise NotFoundError(_("Not found."))
    run, ok = actions[action]
    return _button(request, run, ok, ["issuance:offering", sub.offering_id], form)


@login_required
@require_POST
def subscriptions_bulk(request, pk: int):
    offering = selectors.offering_get_for(user=request.user, pk=pk)
    ids = page_ints(request.POST.getlist("subscription"))
    form = ButtonInput(request.POST)
    if request.POST.get("decision") not in ("accept", "reject"):  # a 400 page, never taken as an acceptance
        raise ApplicationError(_("Unknown decision: accept or reject."), code="unknown_decision")
    if request.POST.get("decision") == "reject":
        run = lambda: services.subscriptions_reject_bulk(  # noqa: E731
            offering=offering, subscription_ids=ids, reason=form.cleaned_data["reason"], actor=request.user)
        ok = _("Selected subscriptions rejected.")
    else:
        run = lambda: services.subscriptions_accept_bulk(offering=offering, subscription_ids=ids, actor=request.user)  # noqa: E731
        ok = _("Selected subscriptions accepted.")
    return _button(request, run, ok, ["issuance:offering", pk], form)


@login_required
def offering_document(request, pk: int):
    doc = selectors.offering_document_get_for(user=request.user, pk=pk)
    return FileResponse(storage.open_document(doc), as_attachment=doc.content_type != "application/pdf",
                        filename=doc.file_name, content_type=doc.content_type)


# --- investor side -------------------------------------------------------------------------

@login_required
def market(request):
    return render(request, "issuance/market.html", {"rows": selectors.offerings_for_investor(user=request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def market_offering(request, pk: int):
    offering = selectors.offering_get_published(user=request.user, pk=pk)
    verdict = eligibility.eligibility_for(user=request.user, security=offering.security, today=business_today())
    form = SubscribeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sub = services.subscription_create(offering=offering, units=form.cleaned_data["units"], actor=request.user)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Subscription recorded. Read and accept the subscription agreement."))
            return redirect("issuance:my-subscription", pk=sub.pk)
    context = {"offering": offering, "form": form, "eligible": verdict.allowed,
               "reasons": eligibility.reason_messages(verdict),
               "memorandum": offering.document(OfferingDocument.Kind.MEMORANDUM),
               "agreement": offering.document(OfferingDocument.Kind.AGREEMENT),
               "schedule": selectors.schedule_of(security=offering.security)}
    return _render(request, "market_offering.html", context, [form])


@login_required
def my_subscriptions(request):
    return render(request, "issuance/my_subscriptions.html",
                  {"subscriptions": selectors.subscriptions_of_investor(user=request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def my_subscription(request, pk: int):
    sub = selectors.subscription_get_for_investor(user=request.user, pk=pk)
    agreement = sub.offering.document(OfferingDocument.Kind.AGREEMENT)
    if request.method == "POST":
        form = ButtonInput(request.POST)
        if request.POST.get("action") == "cancel":
            run, ok = ((lambda: services.subscription_cancel(subscription=sub, actor=request.user)),
                       _("Subscription cancelled."))
        else:
            if not request.POST.get("agree"):
                messages.error(request, _("Tick the box to confirm you have read and accept the agreement."))
                return redirect("issuance:my-subscription", pk=pk)
            run = lambda: services.subscription_agreement_accept(  # noqa: E731
                subscription=sub, agreement_sha256=form.cleaned_data["sha256"], actor=request.user)
            ok = _("Agreement accepted. Please transfer the amount due.")
        return _button(request, run, ok, ["issuance:my-subscription", pk], form)
    return render(request, "issuance/my_subscription.html", {"sub": sub, "agreement": agreement})
