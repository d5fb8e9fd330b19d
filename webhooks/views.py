"""Webhook pages: an organization's admins (2FA) manage its endpoints, operators the platform's.
The list page registers an endpoint; the secret is shown on the answer to that POST (and to a
rotation) and on no later page. An endpoint's page lists its deliveries; a delivery's page shows
its body and every attempt, and replays it by hand. Each view parses input, calls one service or
selector, renders."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError, NotFoundError
from core.events import EventType
from core.forms import apply_error
from core.views import run_with_message

from . import selectors, services
from .models import WebhookDelivery
from .signing import event_body

DELIVERIES_SHOWN = 50


class EndpointForm(forms.Form):
    url = forms.CharField(label=gettext_lazy("Endpoint URL"), max_length=2000,
                          help_text=gettext_lazy("Where we POST each event, e.g. https://example.com/shoken/webhooks"))
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(label=gettext_lazy("Events to send"), choices=EventType.choices,
                                            widget=forms.CheckboxSelectMultiple)


def _secret_page(request, endpoint, secret: str, *, created: bool):
    response = render(request, "webhooks/secret.html", {"endpoint": endpoint, "secret": secret, "created": created})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def home(request):
    """The endpoints of the viewer's organization (an operator's: the platform's); POST registers one."""
    organization = selectors.scope_for(request.user)
    form = EndpointForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.endpoint_create(
                actor=request.user, organization=organization, url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"], description=form.cleaned_data["description"])
        except ApplicationError as error:
            apply_error(form, error)
        else:
            return _secret_page(request, endpoint, secret, created=True)
    context = {"form": form, "organization": organization,
               "endpoints": selectors.endpoints_for(actor=request.user)}
    return render(request, "webhooks/home.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def endpoint_detail(request, pk: int):
    endpoint = selectors.endpoint_get_for(actor=request.user, pk=pk)
    status = request.GET.get("status", "")
    if status not in WebhookDelivery.Status.values:
        status = ""
    deliveries = selectors.deliveries_for(actor=request.user, endpoint=endpoint, status=status or None)
    labels = dict(EventType.choices)
    return render(request, "webhooks/endpoint.html", {
        "endpoint": endpoint, "deliveries": deliveries.order_by("-created_at", "-id")[:DELIVERIES_SHOWN],
        "event_labels": [labels.get(t, t) for t in endpoint.event_types], "status": status,
        "statuses": WebhookDelivery.Status.choices, "shown": DELIVERIES_SHOWN})


@login_required
@never_cache
@require_POST
def endpoint_step(request, pk: int):
    """rotate (answers the new secret), disable, enable, delete."""
    endpoint = selectors.endpoint_get_for(actor=request.user, pk=pk)
    step = request.POST.get("step")
    if step == "rotate":
        try:
            endpoint, secret = services.endpoint_rotate(endpoint=endpoint, actor=request.user)
        except NotFoundError:
            raise
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("webhooks:endpoint", pk=pk)
        return _secret_page(request, endpoint, secret, created=False)
    if step == "delete":
        if run_with_message(request, lambda: services.endpoint_delete(endpoint=endpoint, actor=request.user),
                            _("Endpoint deleted."), reraise=(NotFoundError,)):
            return redirect("webhooks:home")
    elif step == "disable":
        run_with_message(request, lambda: services.endpoint_disable(endpoint=endpoint, actor=request.user),
                         _("Endpoint disabled: nothing is sent to it until you enable it."), reraise=(NotFoundError,))
    elif step == "enable":
        run_with_message(request, lambda: services.endpoint_enable(endpoint=endpoint, actor=request.user),
                         _("Endpoint enabled."), reraise=(NotFoundError,))
    else:
        messages.error(request, _("Unknown step."))
    return redirect("webhooks:endpoint", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def delivery_detail(request, pk: int):
    """A delivery's body and attempt log; POST replays it now."""
    delivery = selectors.delivery_get_for(actor=request.user, pk=pk)
    if request.method == "POST":
        try:
            attempt = services.delivery_replay(delivery=delivery, actor=request.user)
        except NotFoundError:
            raise
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            if attempt.succeeded:
                messages.success(request, _("Replayed: the receiver answered %(status)s.") % {
                    "status": attempt.status_code})
            else:
                messages.error(request, _("Replayed, but the attempt failed: %(error)s") % {
                    "error": attempt.error_display})
        return redirect("webhooks:delivery", pk=pk)
    body = json.dumps(json.loads(event_body(delivery.event)), indent=2, ensure_ascii=False, sort_keys=True)
    return render(request, "webhooks/delivery.html", {
        "delivery": delivery, "endpoint": delivery.endpoint, "body": body,
        "event_label": dict(EventType.choices).get(delivery.event.type, delivery.event.type),
        "attempts": selectors.attempts_of(delivery)})
