"""The investor dashboard's panel (core.dashboard): the onboarding tracker until every step
is done (issuance.onboarding), then the portfolio (servicing.portfolio). An investor who
already holds something sees the portfolio even while a step is open again (an expired
verification): never "complete your KYC" alone in front of their holdings."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from core.dashboard import CountCard, Panel, count_cards
from issuance.onboarding import onboarding_for

from .portfolio import portfolio_of
from .selectors import actions_awaiting_approval


def investor_home(request) -> Panel:
    onboarding = onboarding_for(user=request.user)
    portfolio = portfolio_of(user=request.user)
    holder = not portfolio.empty
    # A holder has invested already: "no open offering accepts you" is no step left for them.
    pending = [s for s in onboarding.steps if not s.done and not (holder and s.key == "eligible")]
    return Panel("servicing/_investor_home.html", {
        "onboarding": onboarding, "show_tracker": bool(pending),
        "portfolio": portfolio, "show_portfolio": onboarding.done or holder,
    })


def corporate_actions_card(request) -> Panel:
    """Corporate actions waiting for this officer's approval (the four eyes of a coupon,
    dividend or redemption: not those they declared themselves)."""
    count = actions_awaiting_approval(actor=request.user).count()
    text = _("coupons, dividends or redemptions waiting for your approval.")
    return count_cards([CountCard(_("Corporate actions"), text, count, reverse("servicing:desk"), "corporate-actions")])
