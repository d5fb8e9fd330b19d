"""Timelines: who did what, when, to a set of objects, read from the audit trail and told in
words (never the raw action codes).

    entries = timeline_for([subscription, settlement], viewer=request.user)
    {% include "core/_timeline.html" with timeline=entries %}

An action in ACTION_WORDS has its own words; a status change written by core.lifecycle
("<model>.<status>") says the model's translated status label; anything else says a
translated generic phrase."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent

ACTION_WORDS = {
    "user.signed_up": _("Signed up"),
    "issuer.created": _("Application started"),
    "issuer.updated": _("Application details updated"),
    "issuer.document_added": _("Company document added"),
    "issuer.submitted": _("Application submitted for review"),
    "issuer.approved": _("Application approved"),
    "issuer.rejected": _("Application rejected"),
    "issuer.treasury_opened": _("Treasury wallet opened"),
    "offering.created": _("Offering created"),
    "offering.updated": _("Offering updated"),
    "offering.document_added": _("Offering document added"),
    "offering.published": _("Offering published"),
    "offering.closed": _("Offering closed"),
    "offering.cancelled": _("Offering cancelled"),
    "subscription.created": _("Subscription placed"),
    "subscription.agreement_accepted": _("Subscription agreement accepted"),
    "subscription.signed": _("Subscription agreement signed"),
    "subscription.funds_received": _("Funds received"),
    "subscription.funded": _("Funds received"),
    "subscription.accepted": _("Subscription accepted"),
    "subscription.ready_to_settle": _("Ready to settle"),
    "subscription.settled": _("Tokens issued"),
    "subscription.rejected": _("Subscription rejected"),
    "subscription.cancelled": _("Subscription cancelled"),
    "settlement.created": _("Settlement prepared"),
    "settlement.authorized": _("Settlement authorized"),
    "settlement.submitted": _("Settlement sent to the chain"),
    "settlement.settled": _("Settlement completed"),
    "settlement.failed": _("Settlement failed"),
    "settlement.expired": _("Settlement expired"),
    "settlement.cancelled": _("Settlement cancelled"),
    "settlement.subscription_not_settled": _("Subscription could not be settled"),
    "tradeoffer.offered": _("Trade offered"),
    "tradeoffer.accepted": _("Trade accepted"),
    "tradeoffer.authorized": _("Trade authorized"),
    "tradeoffer.submitted": _("Trade sent to the chain"),
    "tradeoffer.settled": _("Trade settled"),
    "tradeoffer.failed": _("Trade failed"),
    "tradeoffer.expired": _("Trade expired"),
    "tradeoffer.cancelled": _("Trade cancelled"),
}


@dataclass(frozen=True)
class Entry:
    when: datetime
    who: str
    what: str
    reason: str = ""
    subject: str = ""   # which object, when the timeline covers several


def action_words(event: AuditEvent) -> str:
    """The event in words, in the active language."""
    words = ACTION_WORDS.get(event.action)
    if words is not None:
        return str(words)
    status = (event.new_values or {}).get("status")
    if status and event.action.endswith(f".{status}"):
        return gettext("Status changed to %(status)s") % {"status": _status_label(event.object_type, status)}
    return gettext("Record updated")


def _status_label(object_type: str, status: str) -> str:
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        model = None
    choices = getattr(getattr(model, "Status", None), "choices", None) or []
    return str(dict(choices).get(status, gettext("a new state")))


def _who(event: AuditEvent, viewer, show_names: bool) -> str:
    actor = event.actor
    if actor is None:
        return gettext("The platform")
    if viewer is not None and actor.pk == viewer.pk:
        return gettext("You")
    if show_names:
        return actor.get_full_name()
    return str(actor.get_role_display()) if hasattr(actor, "get_role_display") else gettext("Someone")


def _keys(objects: Iterable[models.Model | tuple[str, str] | None]) -> dict[tuple[str, str], str]:
    """{(object_type, object_id): what to call it} (a subscription by its payment reference)."""
    keys = {}
    for obj in objects:
        if obj is None:
            continue
        if isinstance(obj, tuple):
            keys[(obj[0], str(obj[1]))] = ""
        else:
            keys[(obj._meta.label_lower, str(obj.pk))] = str(getattr(obj, "payment_reference", "") or obj)
    return keys


def timeline_for(objects: Iterable, *, viewer=None, show_names: bool = False, limit: int = 200) -> list[Entry]:
    """The audit events of `objects` (model instances or (label_lower, pk) pairs), oldest
    first (the latest `limit`); each says which object when there are several. `show_names`:
    name the people (staff and issuer pages); else say their role, and "You" for the viewer.
    Refusals (access_denied) are left out."""
    keys = _keys(objects)
    if not keys:
        return []
    by_type: dict[str, list[str]] = {}
    for object_type, object_id in keys:
        by_type.setdefault(object_type, []).append(object_id)
    match = Q()
    for object_type, ids in by_type.items():   # the (object_type, object_id) index serves each
        match |= Q(object_type=object_type, object_id__in=ids)
    events = reversed(AuditEvent.objects.filter(match).exclude(action="access_denied").select_related("actor")
                      .order_by("-id")[:limit])   # the latest `limit`, oldest first
    several = len(keys) > 1
    return [Entry(when=e.occurred_at, who=_who(e, viewer, show_names), what=action_words(e), reason=_reason(e),
                  subject=keys.get((e.object_type, e.object_id), "") if several else "")
            for e in events]


#: Decisions whose reason a person wrote (other reasons are codes: "settlement:12", "expired").
WRITTEN_REASONS = (".rejected", ".more_info", ".cancelled")


def _reason(event: AuditEvent) -> str:
    values = event.new_values if isinstance(event.new_values, dict) else {}
    return str(values.get("reason", "")) if event.action.endswith(WRITTEN_REASONS) else ""
