"""Who the actor is to a security's issuer, as the register's services ask it: the security
loaded with the actor's membership role and the action already recorded under the client's
idempotency key, in one query (security_load), and the namespace of a client's key
(client_key_for). The predicates themselves (member_role, is_officer, ...) and the one rule
for refusals are accounts.access; what each role may do is accounts.policy."""

from __future__ import annotations

from accounts.access import member_role
from accounts.models import User
from issuance.models import Security

from .client_keys import CLIENT_ORG, client_key_clean, client_key_stored

# The security, the actor's role in its issuer (one row at most: (user, organization) is
# unique), the issuer's organization and the action already recorded under the client's
# idempotency key (in the organization's namespace for its members, else in the actor's own:
# the same rule as client_key_stored), in one statement.
_SECURITY_LOAD = (
    "SELECT s.*, o.issuer_organization_id, o.member_role,"
    " (SELECT a.id FROM ledger_tokenaction a WHERE a.idempotency_key = CASE WHEN o.member_role IS NULL"
    "  THEN %s::text ELSE %s::text || o.issuer_organization_id::text || ':' || %s::text END) AS recorded_pk"
    " FROM issuance_security s CROSS JOIN LATERAL ("
    "  SELECT i.organization_id AS issuer_organization_id,"
    "   (SELECT m.role FROM accounts_membership m WHERE m.organization_id = i.organization_id AND m.user_id = %s)"
    "   AS member_role"
    "  FROM issuance_issuer i WHERE i.id = s.issuer_id) o"
    " WHERE s.id = %s"
)


def security_load(security: Security, actor: User | None, *, client_key: str | None = None) -> Security:
    """The security, annotated with `member_role` (the actor's role in the issuer's
    organization, None when not a member), `issuer_organization_id` and `recorded_pk` (the
    action already recorded under the client's idempotency key `client_key` (as sent, checked
    by client_key_clean) in the actor's namespace, if any): what a use case starts from, in
    ONE query. A raw query: on this hot path the ORM's query building costs more than the
    query (~0.8 ms). `security.stored_key` is the key to record the new action under."""
    user_id = actor.pk if actor is not None and actor.is_authenticated else None
    user_key = client_key_stored(client_key, actor=actor, organization_id=None)
    params = [user_key, CLIENT_ORG, client_key, user_id, security.pk]
    found = list(Security.objects.raw(_SECURITY_LOAD, params))
    if not found:
        raise Security.DoesNotExist(f"Security {security.pk} does not exist")
    loaded = found[0]
    organization = loaded.issuer_organization_id if loaded.member_role is not None else None
    loaded.stored_key = client_key_stored(client_key, actor=actor, organization_id=organization)
    return loaded


def client_key_for(key: object, *, actor: User | None, security: Security) -> str | None:
    """client_key_stored for an actor acting on `security`: the issuer organization's
    namespace when the actor is one of its members, else the actor's own."""
    key = client_key_clean(key)
    if key is None:
        return None
    organization = security.issuer.organization_id
    if member_role(actor, organization) is None:
        organization = None
    return client_key_stored(key, actor=actor, organization_id=organization)
