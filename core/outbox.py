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

import json
import logging
import os
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .audit import _normalize
from .errors import ConflictError
from .models import OutboxEntry


def outbox_put(*, kind: str, payload: dict, idempotency_key: str) -> OutboxEntry:
    """Write one outbox row (one query). Calling again with the same key and payload returns
    the first row (a retried use case); the same key with another payload is a conflict."""
    return outbox_put_many([(kind, payload, idempotency_key)])[0]


def outbox_put_many(items: Sequence[tuple[str, dict, str]]) -> list[OutboxEntry]:
    """outbox_put for several (kind, payload, idempotency_key) at once, the rows in input
    order: one multi-row INSERT ... ON CONFLICT DO NOTHING, then (only when some keys were
    already there) one SELECT of those rows, each compared as outbox_put compares it. A key
    twice in one call is the same row twice, or a conflict when the actions differ. A
    conflict writes nothing. One relay kick after commit when a row was created."""
    if not connection.in_atomic_block:
        raise RuntimeError("outbox_put must run inside the transaction of the change it mirrors")
    wanted: dict[str, tuple[str, dict]] = {}
    for kind, payload, key in items:
        action = (kind, _normalize(payload))
        if wanted.setdefault(key, action) != action:
            raise _conflict(key)
    if not wanted:
        return []
    now = timezone.now()
    created = _insert(wanted, now)
    entries = {key: _entry(pk, key, *wanted[key], now) for key, pk in created.items()}
    if len(created) < len(wanted):
        entries |= _existing(wanted, created)
    if created:
        transaction.on_commit(_kick_relay)
    return [entries[key] for _kind, _payload, key in items]


_INSERT = (
    "INSERT INTO core_outboxentry (kind, payload, idempotency_key, status, attempts, available_at, last_error,"
    " tx_hash, block_number, confirmed_at, created_at, updated_at) VALUES {rows}"
    " ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key, id"
)
_ROW = "(%s, %s::jsonb, %s, %s, 0, %s, '', '', NULL, NULL, %s, %s)"


def _insert(wanted: dict[str, tuple[str, dict]], now: datetime) -> dict[str, int]:
    """Insert the keys not used yet, with the model's defaults (pending, no attempts,
    available now); {key: id} of the rows created."""
    params = []
    for key, (kind, payload) in wanted.items():
        params += [kind, json.dumps(payload), key, OutboxEntry.Status.PENDING, now, now, now]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT.format(rows=", ".join([_ROW] * len(wanted))), params)
        return dict(cursor.fetchall())


def _entry(pk: int, key: str, kind: str, payload: dict, now: datetime) -> OutboxEntry:
    """The model instance of a row just inserted, as the database holds it."""
    values = {"id": pk, "kind": kind, "payload": payload, "idempotency_key": key,
              "status": OutboxEntry.Status.PENDING, "attempts": 0, "available_at": now, "last_error": "",
              "tx_hash": "", "block_number": None, "confirmed_at": None, "created_at": now, "updated_at": now}
    return OutboxEntry.from_db(connection.alias, list(values), list(values.values()))


def _existing(wanted: dict[str, tuple[str, dict]], created: dict[str, int]) -> dict[str, OutboxEntry]:
    """The rows already recorded under the keys not inserted, each checked to be the same
    action; on a conflict the rows this call created are removed again before raising."""
    found = {e.idempotency_key: e for e in OutboxEntry.objects.filter(
        idempotency_key__in=[key for key in wanted if key not in created])}
    for key, entry in found.items():
        if (entry.kind, entry.payload) != wanted[key]:
            if created:
                OutboxEntry.objects.filter(pk__in=created.values()).delete()
            raise _conflict(key)
    return found


def _conflict(key: str) -> ConflictError:
    return ConflictError(
        f"Idempotency key {key!r} was already used for a different action", code="idempotency_conflict",
    )


logger = logging.getLogger(__name__)


#: Broker-side flag "a relay sweep is queued, or running and will look again": set (SET NX) by
#: a kick, held by the relay task while it keeps sweeping, cleared when it stops (chain/tasks.py).
#: While it is set, a sweep will still see every row committed now, so another kick is
#: redundant. It expires after OUTBOX_KICK_DEDUP_SECONDS in case its sweep is lost (beat covers).
KICK_FLAG = "shoken:outbox:relay-kick-queued"


_BROKER_CLIENTS: dict[tuple[int, int], object] = {}


def broker_redis(app):  # noqa: ANN001, ANN202
    """The broker's redis client (kombu's redis channel), or None on another transport.
    Kept per process and app: getting it from kombu costs ~1.5 ms, and every commit that
    writes an outbox row asks for it."""
    key = (os.getpid(), id(app))
    if key not in _BROKER_CLIENTS:
        with app.connection_for_write() as conn:
            _BROKER_CLIENTS[key] = getattr(conn.default_channel, "client", None)
    return _BROKER_CLIENTS[key]


def flag_key(name: str) -> str:
    """The broker key of a dedup flag for THIS database: two deployments, or two test runs,
    sharing one Redis must not share flags (a flag set by one would silence the other's
    triggers). Writers and workers of one deployment name the same database."""
    from django.db import connection

    return f"{name}:{connection.settings_dict['NAME']}"


def flag_hold(app, name: str, seconds: float) -> None:  # noqa: ANN001
    """Set a broker-side dedup flag (KICK_FLAG and the like) for `seconds`, whoever set it:
    "work is under way and will look again; do not trigger it". Best effort (a lost flag
    only costs a redundant trigger)."""
    try:
        client = broker_redis(app)
        if client is not None:
            client.set(flag_key(name), b"1", px=max(int(seconds * 1000), 1))
    except Exception:  # noqa: BLE001
        logger.debug("could not set the flag %s", name, exc_info=True)


def flag_clear(app, name: str) -> None:  # noqa: ANN001
    """Remove a dedup flag: triggers go through again. Best effort, like flag_hold."""
    try:
        client = broker_redis(app)
        if client is not None:
            client.delete(flag_key(name))
    except Exception:  # noqa: BLE001
        logger.debug("could not clear the flag %s", name, exc_info=True)


def flag_take(app, name: str, seconds: float) -> bool:  # noqa: ANN001
    """SET NX a dedup flag for `seconds`: True when this caller set it (it should trigger the
    work), False when it was set already. True too when the broker cannot be asked (no dedup
    then: trigger)."""
    try:
        client = broker_redis(app)
        return client is None or bool(client.set(flag_key(name), b"1", nx=True, px=max(int(seconds * 1000), 1)))
    except Exception:  # noqa: BLE001
        logger.debug("could not take the flag %s", name, exc_info=True)
        return True


def _kick_relay() -> None:
    """After commit, ask a worker to relay now instead of waiting for beat's sweep. Sent by
    task name (core never imports chain). A broker hiccup is logged, not raised: the row is
    committed and the periodic sweep will pick it up. A kick is skipped while one is queued
    or a relay task is sweeping and will look again (see KICK_FLAG). The sweep starts
    OUTBOX_KICK_DELAY_SECONDS later, so the commits of that moment go out together."""
    task = settings.OUTBOX_KICK_TASK
    if not task:
        return
    from celery import current_app

    dedup = float(getattr(settings, "OUTBOX_KICK_DEDUP_SECONDS", 0) or 0)
    if dedup > 0 and not flag_take(current_app, KICK_FLAG, dedup):
        return   # a sweep queued or under way will see this row
    try:
        current_app.send_task(task, queue=settings.OUTBOX_KICK_QUEUE or None,
                              countdown=float(getattr(settings, "OUTBOX_KICK_DELAY_SECONDS", 0) or 0) or None)
    except Exception:  # noqa: BLE001
        if dedup > 0:
            flag_clear(current_app, KICK_FLAG)   # let the next commit try again
        logger.warning("outbox: could not kick %s; the periodic sweep will relay", task, exc_info=True)
