"""Putting actions for the chain into the outbox, inside the register's transaction.

Outbox kinds and their payloads (JSON; token amounts as decimal strings of base units,
countries as ISO 3166-1 numeric ints, times as unix seconds). The relay in chain/ maps each
kind to a contract call (contracts/README.md) and uses a hash of the idempotency key as the
call's 32-byte `ref`, so a replayed action is refused on chain too.

| kind                     | payload                                                                 | contract call |
|--------------------------|-------------------------------------------------------------------------|---------------|
| registry.register_wallet | investor_id, wallet, country, kyc_expiry, accredited, qualified          | InvestorRegistry.registerWallet |
| registry.update_investor | investor_id, country, kyc_expiry, accredited, qualified                  | InvestorRegistry.updateInvestor |
| registry.revoke_wallet   | investor_id, wallet                                                      | InvestorRegistry.revokeWallet |
| token.deploy             | security_id, name, symbol, decimals, rules {countries, accredited_only, qualified_only, lockup_until, max_holders, max_investor_balance} | deploy SecurityToken |
| token.mint / token.burn  | security_id, wallet, amount                                              | mint / burn |
| token.transfer / token.forced_transfer | security_id, from_wallet, to_wallet, amount               | forcedTransfer |
| token.freeze_wallet      | security_id, wallet, frozen                                              | setWalletFrozen |
| token.freeze_tokens / token.unfreeze_tokens | security_id, wallet, amount                           | freezeTokens / unfreezeTokens |
| token.recover_wallet     | security_id, lost_wallet, new_wallet                                     | recoverWallet |
| token.pause / token.unpause | security_id                                                           | pause / unpause |
| token.set_document       | security_id, name, uri, sha256                                           | setDocument |
| token.set_rules          | security_id, rules {...as in token.deploy}                               | setRules + setCountriesAllowed |

Idempotency keys name the cause: "kyc:<review id>:approve", "wallet:<wallet id>:add",
"offering:<id>:deploy", "action:<token action id>".
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection, transaction

from .audit import _normalize
from .errors import ConflictError
from .models import OutboxEntry


def outbox_put(*, kind: str, payload: dict, idempotency_key: str) -> OutboxEntry:
    """Write one outbox row. Calling again with the same key and payload returns the first
    row (a retried use case); the same key with another payload is a conflict."""
    if not connection.in_atomic_block:
        raise RuntimeError("outbox_put must run inside the transaction of the change it mirrors")
    payload = _normalize(payload)
    entry, created = OutboxEntry.objects.get_or_create(
        idempotency_key=idempotency_key, defaults={"kind": kind, "payload": payload}
    )
    if created:
        transaction.on_commit(_kick_relay)
    if not created and (entry.kind != kind or entry.payload != payload):
        raise ConflictError(
            f"Idempotency key {idempotency_key!r} was already used for a different action",
            code="idempotency_conflict",
        )
    return entry


logger = logging.getLogger(__name__)


def _kick_relay() -> None:
    """After commit, ask a worker to relay now instead of waiting for beat's sweep. Sent by
    task name (core never imports chain). A broker hiccup is logged, not raised: the row is
    committed and the periodic sweep will pick it up."""
    task = settings.OUTBOX_KICK_TASK
    if not task:
        return
    from celery import current_app

    try:
        current_app.send_task(task, queue=settings.OUTBOX_KICK_QUEUE or None)
    except Exception:  # noqa: BLE001
        logger.warning("outbox: could not kick %s; the periodic sweep will relay", task, exc_info=True)
