"""The compliance dashboard's card for the open breaks between the register and the chain (core.dashboard)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from core.dashboard import CountCard, Panel, count_cards

from .selectors import open_break_count


def breaks_card(request) -> Panel:
    return count_cards([CountCard(_("Breaks and freezes"), _("differences between the register and the chain."),
                                  open_break_count(), reverse("chain:breaks"), "breaks")])
