"""Reads for webhooks, scoped by who asks (accounts.policy: WEBHOOK_MANAGE for an organization's
endpoints, its admins; WEBHOOK_PLATFORM for the platform's, operators).

Whose endpoints a person works on (`scope_for`): an operator's are the platform's (organization
null); anyone else's are those of the organization they act in (accounts.memberships). Another
organization's endpoint, delivery or attempt is a 404, like an id that does not exist; a member
without admin rights gets 403 `admin_required`."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.access import access_deny
from accounts.memberships import organization_active_require
from accounts.models import Organization, Role, User
from accounts.policy import Action, policy_allows, policy_ensure

from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def scope_ensure(actor: User, organization_id: int | None) -> None:
    """May `actor` manage the endpoints of this organization (None: the platform's)? Else the
    table's refusal (404 for those who may not see them, 403 for members and staff)."""
    if organization_id is None:
        policy_ensure(actor, Action.WEBHOOK_PLATFORM)
    else:
        policy_ensure(actor, Action.WEBHOOK_MANAGE, organization_id=organization_id)


def scope_for(actor: User) -> Organization | None:
    """The organization whose endpoints `actor` manages (None: the platform's, for operators),
    after the permission check."""
    if actor.is_authenticated and actor.role == Role.OPERATOR:
        scope_ensure(actor, None)
        return None
    organization = organization_active_require(user=actor) if actor.is_authenticated else None
    scope_ensure(actor, organization.pk if organization is not None else None)
    return organization


def endpoints_for(*, actor: User) -> QuerySet[WebhookEndpoint]:
    organization = scope_for(actor)
    rows = WebhookEndpoint.objects.all()
    return rows.filter(organization__isnull=True) if organization is None else rows.filter(organization=organization)


def _visible(actor: User, endpoint: WebhookEndpoint | None, pk: object) -> WebhookEndpoint:
    if endpoint is None or (endpoint.organization_id is None and not policy_allows(actor, Action.WEBHOOK_PLATFORM)):
        access_deny(actor, object_type="webhooks.webhookendpoint", object_id=pk, message=_("No such endpoint."))
    scope_ensure(actor, endpoint.organization_id)
    return endpoint


def endpoint_get_for(*, actor: User, pk: int) -> WebhookEndpoint:
    return _visible(actor, WebhookEndpoint.objects.filter(pk=pk).first(), pk)


def deliveries_for(*, actor: User, endpoint: WebhookEndpoint, status: str | None = None,
                   event_type: str | None = None) -> QuerySet[WebhookDelivery]:
    _visible(actor, endpoint, endpoint.pk)
    rows = WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event")
    if status:
        rows = rows.filter(status=status)
    if event_type:
        rows = rows.filter(event__type=event_type)
    return rows


def delivery_get_for(*, actor: User, pk: int) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.select_related("endpoint", "event").filter(pk=pk).first()
    if delivery is None:
        access_deny(actor, object_type="webhooks.webhookdelivery", object_id=pk, message=_("No such delivery."))
    _visible(actor, delivery.endpoint, delivery.endpoint_id)
    return delivery


def attempts_of(delivery: WebhookDelivery) -> QuerySet[WebhookAttempt]:
    """The attempts of a delivery the caller already got through delivery_get_for."""
    return delivery.attempt_rows.select_related("actor").order_by("number")
