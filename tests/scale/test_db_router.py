"""The database router without a replica server (config/db_router.py): what goes where, and the
view decorator. The real streaming replica is tests/scale/test_read_replica.py's."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connections
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

from accounts.models import User
from config.db_router import ReplicaRouter
from core.db import REPLICA, replica_reads, replica_reads_active, replica_reads_view
from ledger.models import Position


@pytest.fixture
def replica_alias():
    """A "replica" alias in the settings (no server behind it: nothing here connects)."""
    before = connections.settings.get(REPLICA)
    connections.settings[REPLICA] = {**connections["default"].settings_dict, "TEST": {"MIRROR": "default"}}
    yield
    _restore(before)


@pytest.fixture
def no_replica():
    """No "replica" alias, even when DATABASE_REPLICA_URL configured one for this run."""
    before = connections.settings.pop(REPLICA, None)
    yield
    _restore(before)


def _restore(before: dict | None) -> None:
    if before is None:
        connections.settings.pop(REPLICA, None)
    else:
        connections.settings[REPLICA] = before


@pytest.mark.usefixtures("no_replica")
def test_without_a_replica_every_read_uses_the_primary():
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(Position) == "default"


def test_reads_in_the_block_go_to_the_replica_the_rest_to_the_primary(replica_alias):
    router = ReplicaRouter()
    assert router.db_for_read(Position) == "default"
    with replica_reads():
        assert replica_reads_active()
        assert router.db_for_read(Position) == REPLICA
        assert router.db_for_read(User) == "default"   # grounds of access
        assert router.db_for_write(Position) == "default"
        with replica_reads():
            pass
        assert replica_reads_active()   # nesting restores the outer state
    assert not replica_reads_active()
    assert router.db_for_read(Position) == "default"


def test_migrations_run_on_the_primary_only():
    router = ReplicaRouter()
    assert router.allow_migrate(REPLICA, "ledger") is False
    assert router.allow_migrate("default", "ledger") is None


def test_objects_of_the_primary_and_the_replica_may_be_related():
    router = ReplicaRouter()
    one, other = Position(), Position()
    one._state.db, other._state.db = "default", REPLICA
    assert router.allow_relation(one, other) is True
    other._state.db = "elsewhere"
    assert router.allow_relation(one, other) is None


def test_the_view_decorator_loads_the_user_first_and_reads_in_a_replica_block():
    """The signed-in user (and so the session) is read before the block opens: a sign-out or a
    revoked session never comes back through the replica's lag."""
    seen = []

    def load_user():
        seen.append(("user", replica_reads_active()))
        return AnonymousUser()

    @replica_reads_view
    def view(request):
        seen.append(("view", replica_reads_active()))
        return HttpResponse("ok")

    request = RequestFactory().get("/")
    request.user = SimpleLazyObject(load_user)
    assert view(request).status_code == 200
    assert seen == [("user", False), ("view", True)]
    assert not replica_reads_active()


def test_a_streamed_response_reads_each_chunk_in_a_replica_block():
    """A CSV streams after the view returned: its rows are still read in a replica block, and
    the block is closed between chunks."""
    def rows():
        for number in range(3):
            yield f"{number},{replica_reads_active()}\n"

    @replica_reads_view
    def view(request):
        return StreamingHttpResponse(rows(), content_type="text/csv")

    response = view(RequestFactory().get("/"))
    assert not replica_reads_active()
    chunks = []
    for chunk in response.streaming_content:
        chunks.append(chunk)
        assert not replica_reads_active()
    assert b"".join(chunks) == b"0,True\n1,True\n2,True\n"


def test_after_a_write_request_the_persons_reads_stay_on_the_primary(replica_alias):
    """Read your own writes: after a POST, that person's opted-in reads use the primary for
    DATABASE_REPLICA_STICKY_SECONDS; another person's still go to the replica."""
    from types import SimpleNamespace

    from core.db import PrimaryAfterWriteMiddleware, wrote_lately

    writer, other = SimpleNamespace(pk=901, is_authenticated=True), SimpleNamespace(pk=902, is_authenticated=True)
    middleware = PrimaryAfterWriteMiddleware(lambda request: HttpResponse("ok"))
    for method, user in (("get", other), ("post", writer)):
        request = getattr(RequestFactory(), method)("/somewhere/")
        request.user = user
        middleware(request)
    assert wrote_lately(writer.pk) and not wrote_lately(other.pk)   # a GET marks nothing

    routed = []

    @replica_reads_view
    def view(request):
        routed.append(ReplicaRouter().db_for_read(Position))
        return HttpResponse("ok")

    for user in (writer, other):
        request = RequestFactory().get("/cap-table/")
        request.user = user
        view(request)
    assert routed == ["default", REPLICA]


@pytest.mark.usefixtures("no_replica")
def test_without_a_replica_a_write_request_marks_nothing():
    from types import SimpleNamespace

    from core.db import PrimaryAfterWriteMiddleware, wrote_lately

    request = RequestFactory().post("/somewhere/")
    request.user = SimpleNamespace(pk=903, is_authenticated=True)
    PrimaryAfterWriteMiddleware(lambda request: HttpResponse("ok"))(request)
    assert not wrote_lately(903)
