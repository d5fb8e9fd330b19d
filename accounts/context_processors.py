"""Role-aware navigation for base.html, from the registry in core.navigation."""

from core import navigation

from .selectors import dashboard_kind


def navigation_items(request):  # noqa: ANN001, ANN201
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_role": ""}
    kind = dashboard_kind(user)
    return {"nav_items": [(i.url_name, i.label) for i in navigation.items_for(kind)], "nav_role": kind}
