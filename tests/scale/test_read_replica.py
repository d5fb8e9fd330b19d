"""Reads that may lag go to a real streaming read replica (issue 16): config/db_router.py sends
the reads inside core.db.replica_reads() to the "replica" alias, everything else (the register's
writes and its own reads) to the primary. The replica is a hot standby copied from the test run's
PostgreSQL with pg_basebackup (tests/scale/streaming_replica.py); pausing its WAL replay freezes
what it shows, which tells the two databases apart."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.cache import cache
from django.db import connections

from conftest import force_login_verified
from core.db import REPLICA, replica_reads
from ledger.models import Position
from ledger.selectors import register_positions
from ledger.services import tokens_issue

from .streaming_replica import StreamingReplica, poll

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])

CATCH_UP_SECONDS = 30.0


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker):
    """The streaming replica, reachable as the "replica" alias while this module runs; afterwards
    the alias is what it was before (none, or DATABASE_REPLICA_URL's mirror of the test database),
    so no other test routes a read to this server."""
    server = StreamingReplica(connections["default"])
    configured = connections.settings.get(REPLICA)   # DATABASE_REPLICA_URL's (a mirror in tests), if any
    try:
        server.start()
        _drop_alias()
        connections.settings[REPLICA] = server.settings_dict()
        yield server
    finally:
        _drop_alias()
        if configured is not None:
            connections.settings[REPLICA] = configured
        server.stop()


def _drop_alias() -> None:
    """Close and forget this thread's "replica" connection and the alias."""
    if REPLICA in connections.settings:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


def _primary_lsn() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        return cursor.fetchone()[0]


def _replayed(server: StreamingReplica, lsn: str) -> bool:
    with server.connect() as conn:
        return bool(conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]).fetchone()[0])


def _catch_up(server: StreamingReplica) -> None:
    lsn = _primary_lsn()
    poll(lambda: _replayed(server, lsn), "the replica replaying the primary's WAL", timeout=CATCH_UP_SECONDS)


def _csv_balances(client, bond) -> list[str]:
    response = client.get(f"/ledger/securities/{bond.pk}/cap-table.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return [row["balance_base_units"] for row in csv.DictReader(io.StringIO(text))]


def _pause(server: StreamingReplica) -> None:
    with server.connect() as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
        poll(lambda: conn.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()[0] == "paused",
             "WAL replay paused", timeout=CATCH_UP_SECONDS)


def _resume(server: StreamingReplica) -> None:
    with server.connect() as conn:
        conn.execute("SELECT pg_wal_replay_resume()")


@pytest.fixture
def holding(issuer_org, issuer_admin, verified_investor):
    """The persona issuer's bond, and the verified investor's wallet to issue it to."""
    from investors.models import Wallet
    from issuance.tests.factories import IssuerFactory, SecurityFactory

    bond = SecurityFactory(issuer=IssuerFactory(organization=issuer_org), created_by=issuer_admin,
                           name="Replica Bond 2031", symbol="RPB31")
    wallet = Wallet.objects.filter(profile__user=verified_investor, status=Wallet.Status.ACTIVE).first()
    return bond, wallet, issuer_admin


def test_reads_in_a_replica_block_lag_while_the_register_reads_and_writes_the_primary(replica, holding,
                                                                                      verified_investor, client):
    """One test (a transactional test's flush costs seconds): the replica follows the primary;
    with its replay paused, reads in a replica block show the old register while the register's
    own reads, writes in the block, reads in a transaction and reads of the grounds of access
    show the new one; resumed, it catches up."""
    from django.db import transaction

    from accounts.models import User
    from ledger.tests.api_client import Api

    bond, wallet, admin = holding
    api = Api()
    api.force_authenticate(verified_investor)
    tokens_issue(security=bond, wallet=wallet, amount=7, actor=admin, reason="placement")
    _catch_up(replica)
    with replica_reads():
        assert register_positions(security=bond) == {wallet.address: (7, 0)}   # streamed over
        assert Position.objects.filter(security=bond).db == REPLICA
    assert Position.objects.filter(security=bond).db == "default"

    _pause(replica)
    try:
        tokens_issue(security=bond, wallet=wallet, amount=5, actor=admin, reason="top-up")
        assert register_positions(security=bond) == {wallet.address: (12, 0)}   # outside the block: primary
        # The investor's holdings API opts in (ledger/api_urls.py): it shows the replica's balance.
        assert [row["balance"] for row in api.get("/api/ledger/holdings/").json()["results"]] == ["7"]
        with replica_reads():
            assert register_positions(security=bond) == {wallet.address: (7, 0)}   # the replica, behind
            position = Position.objects.get(security=bond)
            assert position._state.db == REPLICA and position.balance == 7
            assert Position.objects.db_manager("default").get(security=bond).balance == 12   # named: primary
            # A write in the block goes to the primary (the standby would refuse it) ...
            tokens_issue(security=bond, wallet=wallet, amount=3, actor=admin, reason="in the block")
            assert register_positions(security=bond) == {wallet.address: (7, 0)}
            # ... and so does every read in a transaction: it sees its own rows, and may lock.
            with transaction.atomic():
                assert Position.objects.select_for_update().get(security=bond).balance == 15
            assert User.objects.filter(pk=admin.pk).db == "default"   # grounds of access: primary
        # The cap table CSV opts in too (ledger/urls.py), streamed from the replica; the issuer's
        # admin just sent a write request (the 2FA step), so at first they read their own writes.
        force_login_verified(client, admin)
        assert _csv_balances(client, bond) == ["15"]   # wrote lately: the primary
        cache.clear()   # as DATABASE_REPLICA_STICKY_SECONDS later
        assert _csv_balances(client, bond) == ["7"]   # the replica
    finally:
        _resume(replica)

    _catch_up(replica)
    with replica_reads():
        assert register_positions(security=bond) == {wallet.address: (15, 0)}
    assert [row["balance"] for row in api.get("/api/ledger/holdings/").json()["results"]] == ["15"]
