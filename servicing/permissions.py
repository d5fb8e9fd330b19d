"""Whether the signed-in user may take a servicing step (accounts.policy), so the pages offer
only what the services will allow; the services check again and decide."""

from __future__ import annotations

from accounts.policy import Action, policy_allows


def may(user, action: str, organization_id: int | None = None) -> bool:
    """policy_allows for `action` (a value of accounts.policy.Action, e.g. "corporate_action.pay");
    False for a step the policy does not name."""
    try:
        step = Action(action)
    except ValueError:
        return False
    return policy_allows(user, step, organization_id=organization_id)
