"""The relay task runs CHAIN_RELAY_CONCURRENCY sweeps per lane at a time: one triggered while
lane 0's relay slot ("chain.relay.lane.0") is held by another database connection returns
{"skipped": ...} at once and leaves the outbox's kick flag set (the running sweep re-kicks);
with the slot free it clears the flag before it claims."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from chain.scheduling import KICK_FLAG, broker_redis, flag_key, relay_lock
from chain.tasks import relay_sweep_task
from config.celery import app
from core.db import single_flight


@contextmanager
def relay_slot_held_elsewhere(slots: int = 1) -> Iterator[None]:
    """Hold lane 0's relay slot from another thread, i.e. on another database connection."""
    entered, release = threading.Event(), threading.Event()
    got: list[bool] = []

    def hold() -> None:
        from django.db import connection

        try:
            with single_flight(relay_lock(0), slots=slots) as mine:
                got.append(mine)
                entered.set()
                release.wait(10)
        finally:
            entered.set()
            connection.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert entered.wait(10) and got == [True], "could not take the relay slot"
    try:
        yield
    finally:
        release.set()
        thread.join(10)


@pytest.fixture
def kick_flag():
    """The broker's kick flag, set as a commit's kick leaves it; removed afterwards."""
    client = broker_redis(app)
    client.set(flag_key(KICK_FLAG), b"1", px=60_000)
    try:
        yield client
    finally:
        client.delete(flag_key(KICK_FLAG))


@pytest.mark.django_db(transaction=True)
def test_a_sweep_triggered_while_one_runs_is_skipped_and_keeps_the_kick_flag(chain_settings, kick_flag):
    chain_settings.CHAIN_RELAY_CONCURRENCY = 1
    with relay_slot_held_elsewhere():
        outcome = relay_sweep_task.apply().get()

    assert outcome == {"skipped": "another relay sweep is running"}
    assert kick_flag.get(flag_key(KICK_FLAG)) == b"1"


@pytest.mark.django_db(transaction=True)
def test_with_the_slot_free_the_sweep_runs_and_clears_the_kick_flag(chain_settings, kick_flag):
    chain_settings.CHAIN_RELAY_CONCURRENCY = 1

    outcome = relay_sweep_task.apply().get()

    assert "skipped" not in outcome and outcome["claimed"] == 0
    assert kick_flag.get(flag_key(KICK_FLAG)) is None


@pytest.mark.django_db(transaction=True)
def test_with_two_slots_a_second_sweep_runs_beside_the_first(chain_settings, kick_flag):
    chain_settings.CHAIN_RELAY_CONCURRENCY = 2
    with relay_slot_held_elsewhere(slots=2):
        outcome = relay_sweep_task.apply().get()

    assert "skipped" not in outcome and outcome["claimed"] == 0
    assert kick_flag.get(flag_key(KICK_FLAG)) is None
