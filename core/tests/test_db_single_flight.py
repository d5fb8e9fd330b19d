"""core.db.single_flight: PostgreSQL session advisory locks, so a holder on another
database connection (here: another thread, which Django gives its own connection) is told
False while all slots are taken, and True again once one is let go."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from core.db import single_flight

NAME = "test.single-flight"


class Holder:
    """Enters single_flight in a thread of its own (its own connection) and keeps the block
    open until release()."""

    def __init__(self, name: str = NAME, *, slots: int = 1):
        self.got: bool | None = None
        self._entered, self._release = threading.Event(), threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(name, slots), daemon=True)
        self._thread.start()
        assert self._entered.wait(10), "the holder thread did not enter single_flight"
        if self._error:
            raise self._error

    def _run(self, name: str, slots: int) -> None:
        from django.db import connection as own

        try:
            with single_flight(name, slots=slots) as got:
                self.got = got
                self._entered.set()
                self._release.wait(10)
        except BaseException as exc:  # noqa: BLE001 (re-raised in the test's thread)
            self._error = exc
            self._entered.set()
        finally:
            own.close()

    def release(self) -> None:
        self._release.set()
        self._thread.join(10)
        assert not self._thread.is_alive()


def _other_connection_gets(name: str = NAME, *, slots: int = 1) -> bool:
    holder = Holder(name, slots=slots)
    holder.release()
    return holder.got


@pytest.mark.django_db(transaction=True)
def test_a_free_slot_is_taken_and_another_connection_is_refused_until_release():
    with single_flight(NAME) as mine:
        assert mine is True
        assert _other_connection_gets() is False

    assert _other_connection_gets() is True


@pytest.mark.django_db(transaction=True)
def test_the_lock_is_let_go_when_the_block_raises():
    with pytest.raises(ZeroDivisionError), single_flight(NAME) as mine:
        assert mine
        1 / 0  # noqa: B018

    assert _other_connection_gets() is True


@pytest.mark.django_db(transaction=True)
def test_names_do_not_share_slots():
    with single_flight(NAME):
        assert _other_connection_gets(NAME + "-other") is True


@pytest.mark.django_db(transaction=True)
def test_two_slots_admit_two_holders_and_refuse_a_third():
    first, second = Holder(slots=2), Holder(slots=2)
    try:
        assert (first.got, second.got) == (True, True)
        with single_flight(NAME, slots=2) as third:
            assert third is False
        first.release()
        with single_flight(NAME, slots=2) as again:
            assert again is True   # the freed slot
    finally:
        first.release()
        second.release()


@pytest.mark.django_db(transaction=True)
def test_zero_slots_means_one():
    with single_flight(NAME, slots=0) as mine:
        assert mine is True
        assert _other_connection_gets(slots=0) is False


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_run_inside_a_transaction():
    with transaction.atomic():
        with pytest.raises(RuntimeError, match="inside a transaction"), single_flight(NAME):
            pass   # pragma: no cover
        with connection.cursor() as cursor:   # and took no lock on the way
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
            assert cursor.fetchone()[0] == 0
