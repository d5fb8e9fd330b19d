"""Dashboard panels of issuance (core.dashboard): the compliance desk's count of issuer
applications waiting for a decision, and the investor's onboarding tracker
(issuance.onboarding) for the investor dashboard."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from core.dashboard import CountCard, Panel, count_cards

from .models import Issuer


def issuer_applications_card(request) -> Panel:
    count = Issuer.objects.filter(status=Issuer.Status.SUBMITTED).count()
    url = f"{reverse('issuance:issuer-review-list')}?status={Issuer.Status.SUBMITTED}"
    return count_cards([CountCard(_("Issuer applications"), _("issuers waiting for approval."), count, url,
                                  "issuer-applications")])
