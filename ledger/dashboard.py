"""The compliance dashboard's card for the forced-transfer desk (core.dashboard)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from core.dashboard import CountCard, Panel, count_cards

from .models import ComplianceRequest


def forced_transfers_card(request) -> Panel:
    count = ComplianceRequest.objects.filter(status=ComplianceRequest.Status.PENDING).count()
    return count_cards([CountCard(_("Forced transfers"), _("requests waiting for a second officer's decision."),
                                  count, reverse("ledger:requests"), "forced-transfers")])
