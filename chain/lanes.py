"""Signer lanes: several agent keys, each with its own nonce sequence, so one key's queue
(or one stuck transaction) does not hold up the actions of the others.

* **Keys** (settings): lane k signs with ``CHAIN_SIGNER_KEYS[k]``; empty, ONE lane signing with
  ``CHAIN_SIGNER_KEY`` (everything behaves as with a single signer: no lane query is made).
  Lane 0 deploys the shared contracts (``manage.py chain_deploy`` uses ``get_backend()``).
* **Assignment** (:class:`~chain.models.SignerLane`): each TARGET contract belongs to one lane,
  chosen the first time an action needs it (the lane with fewest targets) and never moved:

  ======================================  ===================================================
  target                                   kinds
  ======================================  ===================================================
  ``security:<id>`` (a cash token too)     ``token.*`` (its deployment too, so the lane's key
                                           is the token's agent), ``payment.batch`` (on the
                                           cash token), ``redemption.burn``
  ``registry``: always lane 0              ``registry.*`` (AGENT_ROLE is the deployer's)
  ``settlement``: always lane 0            ``settlement.*`` (OPERATOR_ROLE is the deployer's)
  ======================================  ===================================================

  The registry and the Settlement contract grant their role only to the key that deployed
  them (chain_deploy, lane 0), so their actions are pinned to lane 0. The tokens' own roles
  are the deploying lane's key's; a settlement moves tokens through the Settlement contract
  (its SETTLEMENT_ROLE on every token), so it needs no token lane's key.
* **Rows**: ``OutboxEntry.lane`` is set when the row is inserted (core/outbox.py calls
  :func:`lane_for` through ``settings.OUTBOX_LANE_OF``; :func:`lanes_for` does a whole
  ``outbox_put_many`` in two queries). Each lane's relay claims only its rows.
* **Order across lanes** (:func:`hold_back`, before the relay estimates anything): an action
  whose earlier related action (any registry action; any action on one of its tokens) is on
  ANOTHER lane and not confirmed yet waits for it (its ``last_error`` says so); within a lane
  the nonce order keeps them in order, as with one signer. When the confirmer confirms
  something, waiting actions are looked at again at once (:func:`lane_waiters_release`).
* **Queues**: a lane's relay tasks go to :func:`send_queue`; one sender per lane runs at a time
  wherever the workers are (an advisory lock, chain/scheduling.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Min, Q
from django.utils import timezone

from core.models import OutboxEntry

from .calls import actions_touching, securities_of
from .models import SignerLane
from .retries import error_text

REGISTRY = "registry"
SETTLEMENT = "settlement"
#: Targets whose contract grants its role to the deployer only (chain_deploy signs with lane 0).
PINNED = {REGISTRY: 0, SETTLEMENT: 0}
#: How a cross-lane wait starts in ``last_error`` (after "[waiting] "): what
#: :func:`lane_waiters_release` looks for.
LANE_WAIT = "an earlier related action on another lane"

IN_FLIGHT = (OutboxEntry.Status.PENDING, OutboxEntry.Status.SUBMITTED)


def lane_keys() -> list[str]:
    """The signer key of each lane: CHAIN_SIGNER_KEYS, or [CHAIN_SIGNER_KEY] when it is empty."""
    keys = settings.CHAIN_SIGNER_KEYS
    if isinstance(keys, str):
        keys = keys.split(",")
    keys = [k.strip() for k in keys or () if k and k.strip()]
    return keys or [settings.CHAIN_SIGNER_KEY]


def lane_count() -> int:
    return len(lane_keys())


def send_queue(lane: int) -> str:
    """The Celery queue of a lane's relay tasks."""
    return f"chain.send.{lane}"


def target_of(kind: str, payload: Any) -> str | None:
    """The contract an action calls: ``registry``, ``settlement`` or ``security:<id>``; None
    for a payload without a security (it fails on its own when it is sent)."""
    if kind.startswith("registry."):
        return REGISTRY
    if kind.startswith("settlement."):
        return SETTLEMENT
    security = payload.get("security_id") if isinstance(payload, dict) else None
    return f"security:{security}" if isinstance(security, int) and not isinstance(security, bool) else None


def lane_for(kind: str, payload: dict) -> int:
    """The lane of a new outbox row (settings.OUTBOX_LANE_OF): its target's, assigned now if
    it has none. One lane: 0, without a query."""
    return lanes_for([(kind, payload)])[0]


def lanes_for(items: Sequence[tuple[str, dict]]) -> list[int]:
    """:func:`lane_for` of several rows: one query for the known targets, and for new ones one
    INSERT ... ON CONFLICT DO NOTHING (a concurrent first assignment wins; its lane is read
    back). Runs in the caller's transaction: a rolled-back use case assigns nothing."""
    count = lane_count()
    if count == 1:
        return [0] * len(items)
    targets = [target_of(kind, payload) for kind, payload in items]
    wanted = {t for t in targets if t is not None}
    known = assignments(wanted)
    missing = sorted(wanted - known.keys())
    if missing:
        _assign(missing, count)
        known |= assignments(missing)
    return [known.get(t, 0) if t is not None else 0 for t in targets]


def assignments(targets: Iterable[str]) -> dict[str, int]:
    targets = list(targets)
    if not targets:
        return {}
    return dict(SignerLane.objects.filter(target__in=targets).values_list("target", "lane"))


def _assign(targets: list[str], count: int) -> None:
    """Give each new target the lane with the fewest targets (lowest first on a tie); the
    registry and the Settlement contract the deployer's lane."""
    load = dict.fromkeys(range(count), 0)
    for lane, n in _loads():
        if lane in load:
            load[lane] = n
    rows = []
    for target in targets:
        if target in PINNED:
            lane = PINNED[target]
        else:
            lane = min(load, key=lambda k: (load[k], k))
        load[lane] += 1
        rows.append((target, lane))
    SignerLane.objects.bulk_create([SignerLane(target=target, lane=lane) for target, lane in rows],
                                   ignore_conflicts=True)   # INSERT ... ON CONFLICT DO NOTHING


def _loads() -> list[tuple[int, int]]:
    return list(SignerLane.objects.values("lane").annotate(n=Count("id")).values_list("lane", "n"))


# ---------------------------------------------------------------- order across lanes

def _depends(kind: str, payload: Any) -> tuple[frozenset[int], bool]:
    """(the tokens an action touches, whether it is a registry action)."""
    return securities_of(kind, payload), kind.startswith("registry.")


def hold_back(entry_ids: list[int], *, lane: int) -> list[int]:
    """Of these claimed entries of ``lane`` (id order), make those wait whose earlier related
    action sits on another lane, not confirmed yet, and return the others. Related: any
    registry action, and any action on one of the same tokens (relay.predecessors_in_flight's
    rule). A claimed entry related to one that waits waits too (it would overtake it). ONE
    query for the whole claim (the earliest in-flight id per registry and per token on the
    other lanes), one UPDATE per distinct reason. One lane: nothing to do, no query."""
    if lane_count() == 1 or not entry_ids:
        return entry_ids
    rows = list(OutboxEntry.objects.filter(pk__in=entry_ids).order_by("id").values_list("id", "kind", "payload"))
    deps = {pk: _depends(kind, payload) for pk, kind, payload in rows}
    tokens = sorted(set().union(*(d[0] for d in deps.values())))
    aggregates = {"registry": Min("id", filter=Q(kind__startswith="registry."))}
    for token in tokens:
        aggregates[f"t{token}"] = Min("id", filter=actions_touching([token]))
    first = (OutboxEntry.objects.filter(id__lt=max(entry_ids), status__in=IN_FLIGHT).exclude(lane=lane)
             .aggregate(**aggregates))
    waiting: dict[str, list[int]] = {}
    blocked_tokens: set[int] = set()
    registry_blocked = False
    go = []
    for pk, _kind, _payload in rows:
        touched, is_registry = deps[pk]
        earlier = [first["registry"], *(first[f"t{t}"] for t in touched)]
        before = min((i for i in earlier if i is not None and i < pk), default=None)
        if before is None and not registry_blocked and not (touched & blocked_tokens):
            go.append(pk)
            continue
        reason = (f"{LANE_WAIT} (#{before}) is not confirmed yet" if before is not None
                  else f"{LANE_WAIT} is not confirmed yet, and an action before this one waits for it")
        waiting.setdefault(reason, []).append(pk)
        blocked_tokens |= touched
        registry_blocked = registry_blocked or is_registry
    now = timezone.now()
    for reason, ids in waiting.items():
        OutboxEntry.objects.filter(pk__in=ids, status=OutboxEntry.Status.PENDING).update(
            available_at=now + timedelta(seconds=settings.CHAIN_WAIT_SECONDS),
            last_error=error_text("waiting", reason), updated_at=now)
    return go


_RELEASE = (
    "WITH woken AS (UPDATE core_outboxentry SET available_at = %(now)s WHERE status = %(pending)s"
    " AND last_error LIKE %(marker)s AND available_at > %(now)s RETURNING lane)"
    " SELECT lane FROM woken UNION SELECT lane FROM core_outboxentry WHERE status = %(pending)s"
    " AND last_error LIKE %(marker)s AND available_at <= %(now)s"
)


def lane_waiters_release() -> list[int]:
    """Entries waiting for another lane's action are looked at again now (after the confirmer
    confirmed something): returns the lanes that have such entries (pulled in now, or due
    already), for their relay to run. One statement; nothing with one lane."""
    if lane_count() == 1:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_RELEASE, {"now": timezone.now(), "pending": OutboxEntry.Status.PENDING,
                                  "marker": error_text("waiting", LANE_WAIT) + "%"})
        return sorted(row[0] for row in cursor.fetchall())


lane_for.many = lanes_for   # core/outbox.py: one call for a whole outbox_put_many
