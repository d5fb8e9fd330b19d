"""Writes for webhooks: register an endpoint (its secret is returned once, never again), rotate
its secret, disable or enable it, delete it, replay a delivery by hand. Each checks who may
(webhooks.selectors.scope_ensure: accounts.policy WEBHOOK_MANAGE / WEBHOOK_PLATFORM) and writes
its audit event in its own transaction; no audit event ever holds a secret."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from core.audit import audit_record
from core.errors import ApplicationError, ErrorCollector
from core.events import EventType
from investors.fields import encrypt

from .delivery import replay_attempt
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .selectors import scope_ensure
from .signing import secret_new
from .targets import target_check

DESCRIPTION_MAX = 200


def event_types_checked(event_types: object) -> list[str]:
    """A non-empty list of known event types, each once, in the order of EventType."""
    if not isinstance(event_types, list | tuple) or not event_types:
        message = _("Choose at least one kind of event.")
        raise ApplicationError(message, code="invalid_event_types", fields={"event_types": [message]})
    unknown = [str(t) for t in event_types if t not in EventType.values]
    if unknown:
        message = _("Unknown event type: %(types)s.") % {"types": ", ".join(unknown[:5])}
        raise ApplicationError(message, code="invalid_event_types", fields={"event_types": [message]})
    return [t for t in EventType.values if t in set(event_types)]


def _description_checked(description: object) -> str:
    if not isinstance(description, str) or len(description.strip()) > DESCRIPTION_MAX:
        message = _("At most %(n)s characters.") % {"n": DESCRIPTION_MAX}
        raise ApplicationError(message, code="invalid", fields={"description": [message]})
    return description.strip()


def _snapshot(endpoint: WebhookEndpoint) -> dict:
    return {"url": endpoint.url, "event_types": list(endpoint.event_types), "description": endpoint.description,
            "organization": endpoint.organization_id, "status": endpoint.status}


def endpoint_create(*, actor: User, url: str, event_types: list[str], description: str = "",
                    organization: Organization | None = None) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint of `organization` (None: a platform endpoint, operators only) for
    the chosen event types. Returns it with its signing secret, which is shown this once."""
    organization_id = organization.pk if organization is not None else None
    scope_ensure(actor, organization_id)   # before anything is resolved or said about the input
    errors = ErrorCollector()
    types = errors.check(event_types_checked, event_types)
    text = errors.check(_description_checked, description)
    target = errors.check(target_check, url)   # the form and every resolved address
    errors.raise_any()
    secret = secret_new()
    with transaction.atomic(durable=True):
        scope_ensure(actor, organization_id)
        endpoint = WebhookEndpoint.objects.create(
            organization_id=organization_id, url=url.strip(), description=text, event_types=types,
            secret_encrypted=encrypt(secret), created_by=actor)
        audit_record(action="webhook.endpoint_created", actor=actor, obj=endpoint, new={
            **_snapshot(endpoint), "target": target.address})
    return endpoint, secret


def _locked(endpoint: WebhookEndpoint, actor: User) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint.pk).first() or endpoint
    scope_ensure(actor, endpoint.organization_id)
    return endpoint


def endpoint_rotate(*, endpoint: WebhookEndpoint, actor: User) -> tuple[WebhookEndpoint, str]:
    """A new signing secret, returned this once. The previous one keeps signing beside it (a
    second v1) for WEBHOOK_SECRET_OVERLAP_SECONDS, so receivers can switch without losing a
    delivery; a secret older than that is dropped."""
    secret = secret_new()
    with transaction.atomic(durable=True):
        endpoint = _locked(endpoint, actor)
        now = timezone.now()
        until = now + dt.timedelta(seconds=float(settings.WEBHOOK_SECRET_OVERLAP_SECONDS))
        endpoint.previous_secret_encrypted = endpoint.secret_encrypted
        endpoint.previous_secret_expires_at = until
        endpoint.secret_encrypted = encrypt(secret)
        endpoint.secret_rotated_at = now
        endpoint.save(update_fields=["previous_secret_encrypted", "previous_secret_expires_at", "secret_encrypted",
                                     "secret_rotated_at"])
        audit_record(action="webhook.secret_rotated", actor=actor, obj=endpoint,
                     new={"previous_secret_valid_until": until})
    return endpoint, secret


def _status_set(endpoint: WebhookEndpoint, actor: User, status: str, action: str) -> WebhookEndpoint:
    with transaction.atomic(durable=True):
        endpoint = _locked(endpoint, actor)
        if endpoint.status == status:
            return endpoint
        old = endpoint.status
        endpoint.status = status
        endpoint.save(update_fields=["status"])
        audit_record(action=action, actor=actor, obj=endpoint, old={"status": old}, new={"status": status})
    return endpoint


def endpoint_disable(*, endpoint: WebhookEndpoint, actor: User) -> WebhookEndpoint:
    """Stop sending: no new deliveries are made for it, pending ones wait (and go when it is
    enabled again)."""
    return _status_set(endpoint, actor, WebhookEndpoint.Status.DISABLED, "webhook.endpoint_disabled")


def endpoint_enable(*, endpoint: WebhookEndpoint, actor: User) -> WebhookEndpoint:
    return _status_set(endpoint, actor, WebhookEndpoint.Status.ACTIVE, "webhook.endpoint_enabled")


def endpoint_delete(*, endpoint: WebhookEndpoint, actor: User) -> None:
    """Remove the endpoint with its deliveries and their attempt log (the audit trail keeps
    what it was and how many deliveries went with it)."""
    with transaction.atomic(durable=True):
        endpoint = _locked(endpoint, actor)
        deliveries = WebhookDelivery.objects.filter(endpoint=endpoint).count()
        audit_record(action="webhook.endpoint_deleted", actor=actor, obj=endpoint,
                     old={**_snapshot(endpoint), "deliveries": deliveries})
        endpoint.delete()


def delivery_replay(*, delivery: WebhookDelivery, actor: User) -> WebhookAttempt:
    """Send the delivery again now, by hand: the same event id and body, a fresh timestamp and
    signature; one attempt row (manual, with the actor) and one audit event. 409 when the
    endpoint is disabled or another sender holds the delivery."""
    scope_ensure(actor, delivery.endpoint.organization_id)

    def audit(claimed: WebhookDelivery, attempt: WebhookAttempt) -> None:
        scope_ensure(actor, claimed.endpoint.organization_id)
        audit_record(action="webhook.delivery_replayed", actor=actor, obj=claimed, new={
            "event": str(claimed.event.uid), "attempt": attempt.number, "status_code": attempt.status_code,
            "succeeded": attempt.succeeded})

    return replay_attempt(delivery, actor=actor, audit=audit)
