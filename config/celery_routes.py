"""Celery queues by kind of work (issue 16). settings.CELERY_TASK_ROUTES = ROUTES: the relay's
sweeps go to their signer lane's queue, the other kinds of work to one queue each, anything
else to the default queue "celery". A queue named when a task is sent (``queue=``, as the tests'
private workers and OUTBOX_KICK_QUEUE do) always wins over these routes (Celery merges the
route under the sender's options).

  chain.relay_sweep(lane=k)        chain.send.<k>       one sender per lane: the advisory lock
  chain.confirm_sweep              chain.confirm
  chain.index_sweep                chain.index
  chain.reconcile                  chain.reconcile
  servicing.*                      servicing.payments
  notifications.*                  notifications.email
  webhooks.*                       webhooks.deliver     fan-out, deliveries, retries, the sweep
  everything else                  celery

``python -m config.celery_routes`` prints every queue, comma-separated, for ``celery worker -Q``
(the Procfile's single development worker consumes them all); docker-compose.yml runs one worker
service per queue group."""

from __future__ import annotations

from typing import Any

DEFAULT_QUEUE = "celery"
RELAY_TASK = "chain.relay_sweep"
SEND_QUEUE_PREFIX = "chain.send."

#: Task name (or glob) -> queue, for every kind of work but the per-lane relay.
KIND_QUEUES = {
    "chain.confirm_sweep": "chain.confirm",
    "chain.index_sweep": "chain.index",
    "chain.reconcile": "chain.reconcile",
    "servicing.*": "servicing.payments",
    "notifications.*": "notifications.email",
    "webhooks.*": "webhooks.deliver",
}


def send_queue(lane: int) -> str:
    """The queue of signer lane ``lane``'s relay sweeps."""
    return f"{SEND_QUEUE_PREFIX}{int(lane)}"


def route_relay_lane(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any) -> dict | None:
    """A Celery router: a relay sweep goes to its lane's queue (keyword ``lane``, default 0)."""
    if name != RELAY_TASK:
        return None
    lane = (kwargs or {}).get("lane", 0)
    return {"queue": send_queue(lane)}


#: settings.CELERY_TASK_ROUTES: routers are asked in order; the first answer wins.
ROUTES = ("config.celery_routes.route_relay_lane", {name: {"queue": queue} for name, queue in KIND_QUEUES.items()})


def is_routed_queue(queue: str) -> bool:
    """Whether ``queue`` is one these routes send to (else a queue of its own, e.g. a test's): a
    follow-up task sent from a task that came from a routed queue should be routed by its own
    name, not pinned to the queue its sender came from."""
    return queue == DEFAULT_QUEUE or queue.startswith(SEND_QUEUE_PREFIX) or queue in KIND_QUEUES.values()


def all_queues(lanes: int) -> list[str]:
    """Every queue the routes can send to when there are ``lanes`` signer lanes (at least one)."""
    return ([DEFAULT_QUEUE] + [send_queue(lane) for lane in range(max(int(lanes), 1))]
            + list(dict.fromkeys(KIND_QUEUES.values())))


def lane_count_from_settings() -> int:
    """Signer lanes configured (settings.CHAIN_SIGNER_KEYS; none = one lane, CHAIN_SIGNER_KEY's),
    read from the settings only, so this runs without loading the apps."""
    from django.conf import settings

    keys = getattr(settings, "CHAIN_SIGNER_KEYS", None) or []
    if isinstance(keys, str):
        keys = keys.split(",")
    return max(len([key for key in keys if str(key).strip()]), 1)


if __name__ == "__main__":   # DJANGO_SETTINGS_MODULE names the profile (make run: dev)
    print(",".join(all_queues(lane_count_from_settings())))
