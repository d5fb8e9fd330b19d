"""Role-aware navigation, filled by each app in its AppConfig.ready():

    navigation.register("investors:profile", _("My KYC"), kinds={"investor"}, order=20)

`kinds` are dashboard kinds from accounts.selectors.dashboard_kind: investor,
issuer_admin, issuer_member, compliance, operator. Links are URL names only, so no app
imports another to link to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.http import url_has_allowed_host_and_scheme


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str
    kinds: frozenset[str]
    order: int


_items: dict[str, NavItem] = {}


def register(url_name: str, label, *, kinds: set[str], order: int = 50) -> None:
    _items[url_name] = NavItem(url_name, label, frozenset(kinds), order)


def items_for(kind: str) -> list[NavItem]:
    return sorted((i for i in _items.values() if kind in i.kinds), key=lambda i: (i.order, i.url_name))


def next_path(request, value: str) -> str | None:
    """`value` (a ?next= address) if it is a path on this site, else None. Refuses //host,
    /\\host and https://host, and anything that is not a path: redirect() would take "dashboard"
    or "a\\x00b" for a view name (NoReverseMatch, a 500)."""
    if value.startswith("/") and "\x00" not in value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return None
