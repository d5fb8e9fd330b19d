"""The compliance dashboard's KYC cards (core.dashboard): each counts a queue and links to
the review queue already filtered to it."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from core.dashboard import CountCard, Panel, count_cards

from .models import KycReview

Status = KycReview.Status


def kyc_counts() -> dict[str, int]:
    """Open reviews, those awaiting a second officer, and the open high-risk ones (one query)."""
    return KycReview.objects.aggregate(
        open=Count("id", filter=Q(status__in=KycReview.OPEN)),
        awaiting_second=Count("id", filter=Q(status=Status.AWAITING_SECOND)),
        high_risk=Count("id", filter=Q(status__in=KycReview.OPEN, risk=KycReview.Risk.HIGH)),
    )


def kyc_cards(request) -> Panel:
    counts = kyc_counts()
    queue = reverse("compliance:queue")
    cards = [
        CountCard(_("KYC review queue"), _("investor reviews waiting for a decision."), counts["open"], queue,
                  "kyc-open"),
        CountCard(_("Second approvals"), _("high-risk reviews waiting for a second officer."),
                  counts["awaiting_second"], f"{queue}?status={Status.AWAITING_SECOND}", "kyc-awaiting-second"),
        CountCard(_("High risk"), _("open reviews flagged high risk (sanctions or country)."), counts["high_risk"],
                  f"{queue}?risk={KycReview.Risk.HIGH}", "kyc-high-risk"),
    ]
    return count_cards(cards)
