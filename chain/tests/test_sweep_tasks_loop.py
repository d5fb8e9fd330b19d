"""A steady flow of actions is carried by one looping task of each kind, not a task message
per sweep: the relay task sweeps again while its sweeps claim something (holding the outbox's
kick flag, so commits send no triggers meanwhile), the confirm task sweeps again every
CHAIN_CONFIRM_POLL_SECONDS while transactions are live (holding CONFIRM_FLAG, so the relay
sends no confirm triggers meanwhile). Both let their flag go when they stop."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from chain.confirmer import ConfirmResult
from chain.relay import RelayResult
from chain.scheduling import CONFIRM_FLAG, KICK_FLAG, broker_redis, confirm_kick, flag_key, flag_take
from chain.tasks import confirm_sweep_task, relay_sweep_task
from config.celery import app

pytestmark = pytest.mark.django_db(transaction=True)   # single_flight holds session locks


@pytest.fixture
def broker():
    client = broker_redis(app)
    client.delete(flag_key(KICK_FLAG), flag_key(CONFIRM_FLAG))
    try:
        yield client
    finally:
        client.delete(flag_key(KICK_FLAG), flag_key(CONFIRM_FLAG))


def test_the_relay_task_sweeps_until_a_sweep_claims_nothing_holding_the_kick_flag(chain_settings, broker,
                                                                                 monkeypatch):
    claims = iter([3, 1, 0])
    flag_during_sweeps = []

    def sweep(**_):
        flag_during_sweeps.append(broker.get(flag_key(KICK_FLAG)))
        return RelayResult(claimed=next(claims))

    monkeypatch.setattr("chain.scheduling.relay_sweep", sweep)

    outcome = relay_sweep_task.apply().get()

    assert outcome["claimed"] == 4
    assert flag_during_sweeps == [b"1", b"1", b"1"]
    assert broker.get(flag_key(KICK_FLAG)) is None


def test_the_relay_task_stops_at_its_time_budget(chain_settings, broker, monkeypatch):
    chain_settings.CHAIN_RELAY_TASK_SECONDS = 0
    sweeps = []
    monkeypatch.setattr("chain.scheduling.relay_sweep", lambda **_: sweeps.append(1) or RelayResult(claimed=5))

    outcome = relay_sweep_task.apply().get()

    assert outcome["claimed"] == 5 and len(sweeps) == 1
    assert broker.get(flag_key(KICK_FLAG)) is None


def test_the_confirm_task_sweeps_again_while_transactions_are_live_holding_its_flag(chain_settings, broker,
                                                                                  monkeypatch):
    chain_settings.CHAIN_CONFIRM_POLL_SECONDS = 0.01
    chain_settings.CHAIN_CONFIRM_TASK_SECONDS = 30
    live_answers = iter([True, True, False, False])   # after sweeps 1, 2, 3; then after letting go
    flag_during_sweeps = []

    def sweep(**_):
        flag_during_sweeps.append(broker.get(flag_key(CONFIRM_FLAG)))
        return ConfirmResult(confirmed=2)

    monkeypatch.setattr("chain.scheduling.confirm_sweep", sweep)
    monkeypatch.setattr("chain.scheduling._has_live", lambda: next(live_answers))

    outcome = confirm_sweep_task.apply().get()

    assert outcome["confirmed"] == 6
    assert flag_during_sweeps == [b"1", b"1", b"1"]
    assert broker.get(flag_key(CONFIRM_FLAG)) is None


def test_the_confirm_task_stops_at_its_time_budget(chain_settings, broker, monkeypatch):
    chain_settings.CHAIN_CONFIRM_POLL_SECONDS = 0.01
    chain_settings.CHAIN_CONFIRM_TASK_SECONDS = 0
    sweeps = []
    monkeypatch.setattr("chain.scheduling.confirm_sweep", lambda **_: sweeps.append(1) or ConfirmResult())
    monkeypatch.setattr("chain.scheduling._has_live", lambda: False)

    confirm_sweep_task.apply().get()

    assert len(sweeps) == 1


def test_a_confirm_trigger_is_sent_only_when_none_is_queued_or_looping(broker, settings):
    queue = f"confirm-kick-test-{uuid.uuid4().hex[:8]}"
    task = SimpleNamespace(app=app, request=SimpleNamespace(delivery_info={"routing_key": queue}))
    try:
        confirm_kick(task)
        confirm_kick(task)   # the first one is still queued: nothing more to send
        assert broker.llen(queue) == 1

        broker.delete(flag_key(CONFIRM_FLAG))   # what the confirm task does when it stops looping
        confirm_kick(task)
        assert broker.llen(queue) == 2
    finally:
        broker.delete(queue)


def test_flags_are_kept_per_database(broker):
    """Two deployments or test runs sharing one Redis do not silence each other's triggers."""
    from django.db import connection

    assert flag_key(KICK_FLAG) == f"{KICK_FLAG}:{connection.settings_dict['NAME']}"
    broker.set(f"{KICK_FLAG}:another_database", b"1", px=60_000)
    try:
        assert flag_take(app, KICK_FLAG, 60) is True   # another database's flag is not ours
        assert flag_take(app, KICK_FLAG, 60) is False
    finally:
        broker.delete(f"{KICK_FLAG}:another_database")
