"""Writing the register's actions: each appended TokenAction with its outbox row and audit
event (action_record, actions_record_many), and the idempotency of the use cases that write
them (an action already recorded under a key, a concurrent twin's unique violation)."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import audit_record_many
from core.db import insert_rows
from core.errors import ConflictError
from core.outbox import outbox_put_many
from core.outbox_payloads import (
    OutboxPayload,
    TokenBurn,
    TokenForcedTransfer,
    TokenFreezeTokens,
    TokenFreezeWallet,
    TokenMint,
    TokenPause,
    TokenRecoverWallet,
    TokenTransfer,
    TokenUnfreezeTokens,
    TokenUnpause,
)
from issuance.models import Security

from ..models import TokenAction


def existing_action(stored_key: str | None, **expected) -> TokenAction | None:
    """The action already recorded under this (stored) key, if it is the same action; a
    different action under the same key is refused (nothing written)."""
    if not stored_key:
        return None
    action = TokenAction.objects.filter(idempotency_key=stored_key).first()
    return None if action is None else same_action(action, **expected)


def same_action(action: TokenAction, **expected) -> TokenAction:
    """`action` when it has the expected field values (a retry of it), else the 409
    idempotency_conflict of a different request under the same key."""
    for field, value in expected.items():
        have = getattr(action, field)
        if field == "amount":
            have, value = int(have), int(value)
        if have != value:
            message = _("This idempotency key was already used for a different request.")
            raise ConflictError(message, code="idempotency_conflict", fields={"Idempotency-Key": [message]})
    return action


def outbox_payload(action: TokenAction) -> OutboxPayload:
    """What the chain must do for a platform action (its outbox payload, core/outbox_payloads.py)."""
    K, sid, amount = TokenAction.Kind, action.security_id, int(action.amount)
    kind = action.kind
    if kind == K.ISSUE:
        return TokenMint(security_id=sid, wallet=action.to_wallet or action.from_wallet, amount=amount)
    if kind in (K.FREEZE_TOKENS, K.UNFREEZE_TOKENS):
        cls = TokenFreezeTokens if kind == K.FREEZE_TOKENS else TokenUnfreezeTokens
        return cls(security_id=sid, wallet=action.to_wallet or action.from_wallet, amount=amount)
    if kind == K.REDEEM:
        return TokenBurn(security_id=sid, wallet=action.from_wallet, amount=amount)
    if kind in (K.TRANSFER, K.FORCED_TRANSFER):
        cls = TokenTransfer if kind == K.TRANSFER else TokenForcedTransfer
        return cls(security_id=sid, from_wallet=action.from_wallet, to_wallet=action.to_wallet, amount=amount)
    if kind in (K.FREEZE_WALLET, K.UNFREEZE_WALLET):
        return TokenFreezeWallet(security_id=sid, wallet=action.from_wallet, frozen=kind == K.FREEZE_WALLET)
    if kind == K.RECOVER:
        return TokenRecoverWallet(security_id=sid, lost_wallet=action.from_wallet, new_wallet=action.to_wallet)
    if kind in (K.PAUSE, K.UNPAUSE):
        return (TokenPause if kind == K.PAUSE else TokenUnpause)(security_id=sid)
    raise ValueError(f"a {kind} action is not sent to the chain")


def action_record(*, kind: str, security: Security, actor: User | None, idempotency_key: str | None = None,
                  reason: str = "", cause: str = "", from_investor: User | None = None, from_wallet: str = "",
                  to_investor: User | None = None, to_wallet: str = "", amount: int = 0) -> TokenAction:
    """Append one platform action with its outbox row (key f"action:{id}") and audit event
    (actions_record_many for one)."""
    spec = {"idempotency_key": idempotency_key, "reason": reason, "cause": cause, "from_investor": from_investor,
            "from_wallet": from_wallet, "to_investor": to_investor, "to_wallet": to_wallet, "amount": amount}
    return actions_record_many(kind=kind, security=security, actor=actor, specs=[spec])[0]


def actions_record_many(*, kind: str, security: Security, actor: User | None,
                        specs: list[dict]) -> list[TokenAction]:
    """Append platform actions of one security, each with its outbox row (key
    f"action:{id}") and audit event, in a constant number of queries: the ids from the
    sequence first (so the outbox rows can name them and each action row is written once,
    complete: the table refuses UPDATE), the outbox rows in one INSERT, the actions in one,
    and the audit events last, in one, so the audit chain's global lock is held only for them.
    `specs`: dicts of action_record's keyword arguments (idempotency_key, reason, cause,
    from_/to_investor, from_/to_wallet, amount)."""
    if not specs:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('ledger_tokenaction', 'id')) "
                       "FROM generate_series(1, %s)", [len(specs)])
        pks = sorted(row[0] for row in cursor.fetchall())
    who = actor if actor is not None and actor.is_authenticated else None
    actions = [
        TokenAction(
            id=pk, kind=kind, security=security, actor=who, origin=TokenAction.Origin.PLATFORM,
            idempotency_key=spec.get("idempotency_key") or f"action:{pk}", reason=spec.get("reason", ""),
            cause=spec.get("cause", ""), from_investor=spec.get("from_investor"),
            from_wallet=spec.get("from_wallet", ""), to_investor=spec.get("to_investor"),
            to_wallet=spec.get("to_wallet", ""), amount=spec.get("amount", 0),
        )
        for pk, spec in zip(pks, specs, strict=True)
    ]
    entries = outbox_put_many([(outbox_payload(action), f"action:{action.pk}") for action in actions])
    for action, entry in zip(actions, entries, strict=True):
        action.outbox = entry
    insert_rows(actions)
    audit_record_many([
        {"action": f"ledger.{kind}", "actor": actor, "obj": action,
         "new": {"security": security.pk, "from": action.from_wallet, "to": action.to_wallet,
                 "amount": str(action.amount), "reason": action.reason, "cause": action.cause,
                 "idempotency_key": action.idempotency_key}}
        for action in actions
    ])
    return actions


def duplicate_key(error: IntegrityError) -> bool:
    return "idempotency_key" in str(error)


def run_idempotent(fn, /, **kwargs):
    """Run a durable use case; when a concurrent twin committed the same idempotency key
    first (unique violation), run it once more: it then finds what the twin recorded and
    returns it (the same request) or refuses it (idempotency_conflict, another request)."""
    try:
        return fn(**kwargs)
    except IntegrityError as error:
        if not duplicate_key(error) or transaction.get_connection().in_atomic_block:
            raise
    return fn(**kwargs)
