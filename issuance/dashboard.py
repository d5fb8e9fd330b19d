"""Dashboard panels of issuance (core.dashboard): the compliance desk's count of issuer
applications waiting for a decision, and the issuer's offerings with the money raised (funds
received) beside the amount subscribed and the subscriptions waiting for the issuer."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from core.dashboard import CountCard, Panel, count_cards
from core.errors import ConflictError

from . import selectors
from .models import Issuer, Subscription


def issuer_applications_card(request) -> Panel:
    count = Issuer.objects.filter(status=Issuer.Status.SUBMITTED).count()
    url = f"{reverse('issuance:issuer-review-list')}?status={Issuer.Status.SUBMITTED}"
    return count_cards([CountCard(_("Issuer applications"), _("issuers waiting for approval."), count, url,
                                  "issuer-applications")])


#: Subscriptions waiting for the issuer: signed (funds to confirm or to accept), funded (to
#: accept), ready to settle (to settle).
WAITING = (Subscription.Status.SIGNED, Subscription.Status.FUNDED, Subscription.Status.READY_TO_SETTLE)


def issuer_offerings(request) -> Panel | None:
    """The issuer's offerings (the organization the person acts in), newest first, each with
    its progress and how many subscriptions wait for the issuer. Nothing for a person in several
    organizations who has not chosen one, nor before the organization has applied."""
    try:
        issuer = selectors.issuer_for(user=request.user)
    except ConflictError:
        return None
    if issuer is None:
        return None
    offerings = list(selectors.offerings_for_issuer(issuer=issuer).annotate(
        waiting=Count("subscriptions", filter=Q(subscriptions__status__in=WAITING)))[:10])
    return Panel("issuance/_dashboard_offerings.html", {"issuer": issuer, "offerings": offerings})
