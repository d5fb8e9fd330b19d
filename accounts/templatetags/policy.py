"""{% may "action" organization_id as name %}: whether the signed-in user may take an action
of accounts.policy, so pages offer only what the services will allow."""

from __future__ import annotations

from django import template

from accounts.policy import Action, policy_allows

register = template.Library()


@register.simple_tag(takes_context=True)
def may(context, action: str, organization_id: int | None = None) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return policy_allows(user, Action(action), organization_id=organization_id)
