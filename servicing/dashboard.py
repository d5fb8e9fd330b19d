"""The investor dashboard's panel (core.dashboard): the onboarding tracker until every step
is done (issuance.onboarding), then the portfolio (servicing.portfolio). An investor who
already holds something sees the portfolio even while a step is open again (an expired
verification): never "complete your KYC" alone in front of their holdings."""

from __future__ import annotations

from core.dashboard import Panel
from issuance.onboarding import onboarding_for

from .portfolio import portfolio_of


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
