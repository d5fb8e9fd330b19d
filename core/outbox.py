"""Putting actions for the chain into the outbox, inside the register's transaction.

The kinds and their payload types (the JSON of a row, the contract call of each kind) are in
core/outbox_payloads.py: a producer builds the payload dataclass (checked when built) and
puts it here with the idempotency key; chain/ parses the row back with payload_from_json.

Idempotency keys name the cause: "kyc:<review id>:approve", "wallet:<wallet id>:add",
"offering:<id>:deploy", "action:<token action id>".
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .errors import ConflictError
from .models import OutboxEntry
from .outbox_payloads import PAYLOAD_TYPES, OutboxPayload


def outbox_put(payload: OutboxPayload, *, idempotency_key: str) -> OutboxEntry:
    """Write one outbox row (one query). Calling again with the same key and payload returns
    the first row (a retried use case); the same key with another payload is a conflict."""
    return outbox_put_many([(payload, idempotency_key)])[0]


def outbox_put_many(items: Sequence[tuple[OutboxPayload, str]]) -> list[OutboxEntry]:
    """outbox_put for several (payload, idempotency_key) at once, the rows in input
    order: one multi-row INSERT ... ON CONFLICT DO NOTHING, then (only when some keys were
    already there) one SELECT of those rows, each compared as outbox_put compares it. A key
    twice in one call is the same row twice, or a conflict when the actions differ. A
    conflict writes nothing. One relay kick after commit when a row was created. Payloads
    are the dataclasses of core/outbox_payloads.py (TypeError for anything else)."""
    if not connection.in_atomic_block:
        raise RuntimeError("outbox_put must run inside the transaction of the change it mirrors")
    wanted: dict[str, tuple[str, dict]] = {}
    for payload, key in items:
        if PAYLOAD_TYPES.get(getattr(payload, "kind", None)) is not type(payload):
            raise TypeError(f"outbox_put takes an outbox payload (core.outbox_payloads), not {payload!r}")
        action = (str(payload.kind), payload.to_json())
        if wanted.setdefault(key, action) != action:
            raise _conflict(key)
    if not wanted:
        return []
    now = timezone.now()
    lanes = dict(zip(wanted, _lanes_of(list(wanted.values())), strict=True))
    created = _insert(wanted, lanes, now)
    entries = {key: _entry(pk, key, *wanted[key], lanes[key], now) for key, pk in created.items()}
    if len(created) < len(wanted):
        entries |= _existing(wanted, created)
    if created:
        transaction.on_commit(functools.partial(_kick_relay, sorted({lanes[key] for key in created})))
    return [entries[key] for _payload, key in items]


_INSERT = (
    "INSERT INTO core_outboxentry (kind, payload, idempotency_key, status, attempts, available_at, last_error,"
    " tx_hash, block_number, confirmed_at, created_at, updated_at, lane) VALUES {rows}"
    " ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key, id"
)
_ROW = "(%s, %s::jsonb, %s, %s, 0, %s, '', '', NULL, NULL, %s, %s, %s)"


def _lanes_of(actions: list[tuple[str, dict]]) -> list[int]:
    """The signer lane of each (kind, payload): settings.OUTBOX_LANE_OF (a dotted path, core
    never imports chain; "" = lane 0), called once per row, or once for all of them when the
    hook has a ``many`` attribute (chain.lanes.lane_for: one or two queries for a bulk put)."""
    path = getattr(settings, "OUTBOX_LANE_OF", "")
    if not path:
        return [0] * len(actions)
    hook = _after_commit_hook(path)
    many = getattr(hook, "many", None)
    return list(many(actions)) if many is not None else [hook(kind, payload) for kind, payload in actions]


def _insert(wanted: dict[str, tuple[str, dict]], lanes: dict[str, int], now: datetime) -> dict[str, int]:
    """Insert the keys not used yet, with the model's defaults (pending, no attempts,
    available now) and their lanes; {key: id} of the rows created."""
    params = []
    for key, (kind, payload) in wanted.items():
        params += [kind, json.dumps(payload), key, OutboxEntry.Status.PENDING, now, now, now, lanes[key]]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT.format(rows=", ".join([_ROW] * len(wanted))), params)
        return dict(cursor.fetchall())


def _entry(pk: int, key: str, kind: str, payload: dict, lane: int, now: datetime) -> OutboxEntry:
    """The model instance of a row just inserted, as the database holds it."""
    values = {"id": pk, "kind": kind, "payload": payload, "idempotency_key": key,
              "status": OutboxEntry.Status.PENDING, "attempts": 0, "available_at": now, "last_error": "",
              "tx_hash": "", "block_number": None, "confirmed_at": None, "created_at": now, "updated_at": now,
              "lane": lane}
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


@functools.lru_cache(maxsize=8)
def _after_commit_hook(path: str) -> Callable[..., Any]:
    return import_string(path)


def _kick_relay(lanes: list[int]) -> None:
    """After a commit that wrote outbox rows, call settings.OUTBOX_AFTER_COMMIT, a dotted path
    ("" = nothing; chain.scheduling.relay_kick asks a worker to relay now), with the lanes of
    the rows created (``lanes=[...]``): resolved through settings because core never imports
    chain. A hook that cannot be loaded is logged, not raised: the row is committed and the
    periodic sweep will pick it up."""
    path = getattr(settings, "OUTBOX_AFTER_COMMIT", "")
    if not path:
        return
    try:
        hook = _after_commit_hook(path)
    except ImportError:
        logger.exception("outbox: cannot load OUTBOX_AFTER_COMMIT %r; the periodic sweep will relay", path)
        return
    hook(lanes=lanes)
