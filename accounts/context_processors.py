"""Role-aware navigation for base.html; links by URL name only."""

from django.utils.translation import gettext_lazy as _

from .selectors import dashboard_kind


def navigation(request):  # noqa: ANN001, ANN201
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_role": ""}
    kind = dashboard_kind(user)
    items = [("accounts:dashboard", _("Dashboard"))]
    if kind in ("operator",):
        items.append(("api-docs", _("API")))
    return {"nav_items": items, "nav_role": kind}
