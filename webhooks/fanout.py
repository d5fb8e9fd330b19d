"""From events to deliveries: one WebhookDelivery per (event not fanned out yet, active endpoint
that chose its type and may hear it). An organization's endpoint hears its organization's
events; a platform endpoint (organization null) hears every event, platform-wide ones included.

Events are claimed with FOR UPDATE SKIP LOCKED and marked fanned out in the same transaction as
their deliveries, so two fan-outs running at once never both take an event, and the unique
(endpoint, event) constraint keeps a delivery from being made twice whatever happens."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.models import Event

from .models import WebhookDelivery, WebhookEndpoint

BATCH = 500


def _fan_out_batch(limit: int) -> tuple[int, list[int]]:
    """(events taken, ids of the deliveries made) for up to `limit` pending events."""
    with transaction.atomic():
        events = list(Event.objects.filter(fanned_out_at__isnull=True).order_by("id")
                      .select_for_update(skip_locked=True)[:limit])
        if not events:
            return 0, []
        types = {event.type for event in events}
        organizations = {event.organization_id for event in events if event.organization_id is not None}
        endpoints = list(WebhookEndpoint.objects.filter(
            Q(organization__isnull=True) | Q(organization_id__in=organizations),
            status=WebhookEndpoint.Status.ACTIVE, event_types__overlap=sorted(types)).only(
            "id", "organization_id", "event_types"))
        now = timezone.now()
        rows = [WebhookDelivery(endpoint_id=endpoint.pk, event_id=event.pk, next_attempt_at=now, created_at=now)
                for event in events for endpoint in endpoints
                if event.type in endpoint.event_types
                and (endpoint.organization_id is None or endpoint.organization_id == event.organization_id)]
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        Event.objects.filter(pk__in=[event.pk for event in events]).update(fanned_out_at=now)
        # the rows made now (a row that existed already, ON CONFLICT DO NOTHING, has an older time)
        ids = list(WebhookDelivery.objects.filter(event_id__in=[event.pk for event in events], created_at=now)
                   .values_list("id", flat=True)) if rows else []
    return len(events), ids


def fan_out_new(*, limit: int = BATCH) -> list[int]:
    """Fan out every pending event, in batches. Returns the ids of the deliveries made."""
    made: list[int] = []
    while True:
        taken, ids = _fan_out_batch(limit)
        made.extend(ids)
        if taken < limit:
            return made


def fan_out_pending() -> int:
    """Create one WebhookDelivery per (pending Event, matching endpoint), mark the events fanned
    out. Returns the deliveries made."""
    return len(fan_out_new())
