"""The dashboards' panels, filled by each app in its AppConfig.ready() (the shape of
core.navigation): the dashboard page lives in accounts, the lowest app that knows who is
signed in, and the apps above it register what they know about that person without accounts
importing them.

    dashboard.register("compliance", kyc_queue_card, order=10)

A provider takes the request and returns a Panel (a template and its context) or None when
it has nothing to show to this person. `kinds` are accounts.selectors.dashboard_kind values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CountCard:
    """A dashboard card that counts a queue and links to it, already filtered
    (templates/accounts/_count_cards.html)."""

    title: str
    text: str
    count: int
    url: str
    testid: str


def count_cards(cards: list[CountCard]) -> Panel:
    return Panel("accounts/_count_cards.html", {"cards": cards})


Provider = Callable[[object], "Panel | None"]

_providers: dict[tuple[str, str], tuple[int, Provider]] = {}


def register(kind: str, provider: Provider, *, order: int = 50, key: str = "") -> None:
    """Add `provider` to the `kind` dashboard (registering the same key again replaces it)."""
    _providers[(kind, key or f"{provider.__module__}.{provider.__qualname__}")] = (order, provider)


def panels_for(kind: str, request) -> list[Panel]:
    """The panels of the `kind` dashboard for this request, in order; providers with nothing
    to show are left out."""
    found = sorted(((order, key, provider) for (k, key), (order, provider) in _providers.items() if k == kind),
                   key=lambda item: (item[0], item[1]))
    panels = []
    for _order, _key, provider in found:
        panel = provider(request)
        if panel is not None:
            panels.append(panel)
    return panels
