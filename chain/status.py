"""The chain status of what a page shows, for static/js/chain_status.js (GET /chain/status/).

A page marks each chain status it shows with `data-chain-ref` (core/templatetags/chain_ui.py):
"outbox:<id>" for a register action's outbox row, "subscription:<id>" for the chain action
that settles a subscription (its ISSUE, or its delivery-versus-payment settlement). The script
asks for the refs still pending, every few seconds, and swaps in the answer:

    GET /chain/status/?ref=outbox:12&ref=subscription:7
    {"statuses": {"outbox:12": {"state": "confirmed", "label": "Confirmed on chain", "html": "..."}}}

A ref the user may not see is left out, exactly like one that does not exist (no oracle): an
issuer's members see their own securities' actions and subscriptions, an investor the actions
to or from them and their own subscriptions, compliance officers and operators every issuer's
(as on the cap tables). A probe for refs the user may not see leaves one `access_denied` event.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Q
from django.http import JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.access import is_staff_reader
from accounts.models import Membership, User
from core.audit import audit_record
from core.models import OutboxEntry
from core.templatetags.chain_ui import status_context
from issuance.models import Subscription
from ledger.models import Settlement, TokenAction

MAX_REFS = 100
REF = re.compile(r"(outbox|subscription):([1-9][0-9]{0,17})")


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def parse_refs(values: list[str]) -> list[tuple[str, int]] | None:
    """[(kind, pk)] in the order asked, without repeats; None when one is not a ref. Stops
    reading once it has more than MAX_REFS (the caller refuses that many)."""
    refs: dict[tuple[str, int], None] = {}
    for value in values:
        for part in value.split(",", MAX_REFS + 1)[:MAX_REFS + 1]:
            match = REF.fullmatch(part.strip())
            if match is None:
                return None
            refs[(match.group(1), int(match.group(2)))] = None
            if len(refs) > MAX_REFS:
                return list(refs)
    return list(refs)


def _organizations(user: User):
    return Membership.objects.filter(user=user).values("organization_id")


def _visible_outbox(user: User, pks: list[int]) -> dict[int, OutboxEntry]:
    """The outbox rows among `pks` whose register action (or settlement) the user may see."""
    entries = OutboxEntry.objects.filter(pk__in=pks)
    if not is_staff_reader(user):
        orgs = _organizations(user)
        actions = TokenAction.objects.filter(
            Q(from_investor=user) | Q(to_investor=user) | Q(security__issuer__organization_id__in=orgs))
        settlements = Settlement.objects.filter(
            Q(buyer=user) | Q(seller=user) | Q(security__issuer__organization_id__in=orgs))
        entries = entries.filter(Q(pk__in=actions.values("outbox_id")) | Q(pk__in=settlements.values("outbox_id")))
    return {entry.pk: entry for entry in entries}


def _visible_subscriptions(user: User, pks: list[int]) -> dict[int, OutboxEntry | None]:
    """The subscriptions among `pks` the user may see, each with the outbox row of the chain
    action that settles it (None while there is none)."""
    subs = Subscription.objects.filter(pk__in=pks)
    if not is_staff_reader(user):
        subs = subs.filter(Q(investor=user) | Q(offering__security__issuer__organization_id__in=_organizations(user)))
    found: dict[int, OutboxEntry | None] = dict.fromkeys(subs.values_list("pk", flat=True))
    causes = {f"subscription:{pk}": pk for pk in found}
    # Delivery versus payment: the latest settlement's (one is in progress at a time).
    settlements = (Settlement.objects.filter(subscription_id__in=list(found), outbox__isnull=False)
                   .select_related("outbox").order_by("id"))
    for settlement in settlements:
        found[settlement.subscription_id] = settlement.outbox
    # Settled by the issuer (ledger.services.subscription_settle): its ISSUE action's.
    issues = (TokenAction.objects.filter(kind=TokenAction.Kind.ISSUE, cause__in=list(causes))
              .select_related("outbox"))
    for action in issues:
        found[causes[action.cause]] = action.outbox
    return found


def statuses_for(*, user: User, refs: list[tuple[str, int]]) -> tuple[dict[str, dict], list[str]]:
    """({ref: template context} for the refs the user may see, [refs left out])."""
    outbox = _visible_outbox(user, [pk for kind, pk in refs if kind == "outbox"])
    subs = _visible_subscriptions(user, [pk for kind, pk in refs if kind == "subscription"])
    answer: dict[str, dict] = {}
    left_out: list[str] = []
    for kind, pk in refs:
        ref = f"{kind}:{pk}"
        if kind == "outbox" and pk in outbox:
            answer[ref] = status_context(outbox[pk], ref=ref)
        elif kind == "subscription" and pk in subs:
            answer[ref] = status_context(subs[pk], ref=ref)
        else:
            left_out.append(ref)
    return answer, left_out


@require_GET
def chain_status(request):
    """GET /chain/status/?ref=...: the statuses the user may see (module docstring)."""
    if not request.user.is_authenticated:
        return _error(403, "not_authenticated", _("Sign in to see the chain status."))
    refs = parse_refs(request.GET.getlist("ref"))
    if refs is None:
        return _error(400, "invalid_ref", _("Ask for outbox:<number> or subscription:<number>."))
    if len(refs) > MAX_REFS:
        return _error(400, "too_many_refs", _("Ask for at most %(n)s statuses at once.") % {"n": MAX_REFS})
    answer, left_out = statuses_for(user=request.user, refs=refs)
    if left_out:
        with transaction.atomic():
            audit_record(action="access_denied", actor=request.user, object_type="chain.status",
                         object_id=",".join(left_out)[:64])
    statuses = {
        ref: {"state": context["state"], "label": context["label"],
              "html": render_to_string("core/_chain_status_body.html", context, request=request).strip()}
        for ref, context in answer.items()
    }
    return JsonResponse({"statuses": statuses})
