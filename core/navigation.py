"""Role-aware navigation, filled by each app in its AppConfig.ready():

    navigation.register("investors:profile", _("My KYC"), kinds={"investor"}, order=20)

`kinds` are dashboard kinds from accounts.selectors.dashboard_kind: investor,
issuer_admin, issuer_member, compliance, operator. Links are URL names only, so no app
imports another to link to it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str
    kinds: frozenset[str]
    order: int


_items: dict[str, NavItem] = {}


def register(url_name: str, label, *, kinds: set[str], order: int = 50) -> None:  # noqa: ANN001
    _items[url_name] = NavItem(url_name, label, frozenset(kinds), order)


def items_for(kind: str) -> list[NavItem]:
    return sorted((i for i in _items.values() if kind in i.kinds), key=lambda i: (i.order, i.url_name))
