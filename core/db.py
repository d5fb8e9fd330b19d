"""SQL helpers: migrations (append-only triggers) and set-based updates."""

from __future__ import annotations

import functools
import logging
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections, models

logger = logging.getLogger(__name__)


def append_only_sql(table: str) -> tuple[str, str]:
    """(forward, backward) SQL for a trigger that makes PostgreSQL refuse UPDATE and DELETE
    on `table`. TRUNCATE is not trapped because the test runner's flush uses it; in
    production the application's database role must not hold TRUNCATE (or ownership)."""
    forward = f"""
CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table} is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER {table}_no_update_delete
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
"""
    backward = f"""
DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};
DROP FUNCTION IF EXISTS {table}_append_only();
"""
    return forward, backward


def update_rows(objs: Sequence[models.Model], fields: Sequence[str]) -> int:
    """Write ``fields`` of several already-saved objects, each with its own values, in ONE
    ``UPDATE ... FROM unnest(<one array per column>)`` statement (Django's bulk_update builds
    a CASE per row and field, ~ms of CPU per row; arrays keep the statement and its
    parameters a fixed size). Values go through each field's get_db_prep_save and are cast to
    the column type. Returns the number of rows updated."""
    if not objs:
        return 0
    model = type(objs[0])
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    pk = meta.pk
    quote = connection.ops.quote_name
    arrays: list[list] = [[pk.get_db_prep_value(obj.pk, connection) for obj in objs]]
    arrays += [[f.get_db_prep_save(getattr(obj, f.attname), connection) for obj in objs] for f in columns]
    types = [pk.rel_db_type(connection)] + [f.db_type(connection) for f in columns]
    names = ", ".join(["_pk"] + [f"_{i}" for i in range(len(columns))])
    sets = ", ".join(f"{quote(f.column)} = v._{i}" for i, f in enumerate(columns))
    # Only identifiers and types from the model's metadata are spliced in; values are parameters.
    sql = (f"UPDATE {quote(meta.db_table)} AS t SET {sets} "  # noqa: S608
           f"FROM unnest({', '.join(f'%s::{kind}[]' for kind in types)}) AS v({names}) "
           f"WHERE t.{quote(pk.column)} = v._pk")
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
        return cursor.rowcount


def insert_rows(objs: Sequence[models.Model]) -> None:
    """INSERT several new objects of one model in ONE statement with one array per column
    (``INSERT ... SELECT FROM unnest(...)``), in list order: bulk_create's work without its
    per-row CPU (~0.3 ms for even one row on the register's hot path). Fields are prepared as
    Django saves them (pre_save: auto_now_add and defaults). Objects without a pk get theirs
    from the table's sequence, in list order. Triggers and constraints apply as usual."""
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    with_pk = objs[0].pk is not None
    if any((obj.pk is not None) != with_pk for obj in objs):
        raise ValueError("give all objects a pk, or none")
    fields = [f for f in meta.concrete_fields if with_pk or not f.primary_key]
    arrays = [[f.get_db_prep_save(f.pre_save(obj, add=True), connection) for obj in objs] for f in fields]
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in fields)
    casts = ", ".join(f"%s::{f.rel_db_type(connection) if f.primary_key else f.db_type(connection)}[]" for f in fields)
    sql = (f"INSERT INTO {quote(meta.db_table)} ({names}) SELECT {names} "  # noqa: S608 (metadata only)
           f"FROM unnest({casts}) "
           f"WITH ORDINALITY AS u({names}, _n) ORDER BY _n RETURNING {quote(meta.pk.column)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
        pks = [row[0] for row in cursor.fetchall()]
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, connection.alias


@contextmanager
def single_flight(name: str, *, slots: int = 1) -> Iterator[bool]:
    """Hold one of ``slots`` PostgreSQL session advisory locks named after ``name`` for the
    block, if one is free: yields True when this process got one, False when all are held
    (the block should then do nothing). For work that gains nothing from running many times
    at once (relay sweeps: the signer's nonces serialise them anyway), so concurrent triggers
    coalesce instead of queueing on row locks. Released at the end of the block, or by
    PostgreSQL when the process dies. Must run outside a transaction (the lock belongs to the
    session, not the transaction)."""
    if connection.in_atomic_block:
        raise RuntimeError("single_flight must not run inside a transaction")
    held = None
    with connection.cursor() as cursor:
        for slot in range(max(slots, 1)):
            key = zlib.crc32(f"shoken:{name}#{slot}".encode())
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            if cursor.fetchone()[0]:
                held = key
                break
    try:
        yield held is not None
    finally:
        if held is not None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [held])


def in_transaction(using: str = "default") -> bool:
    """Whether code runs inside a transaction of the application's own, one that may still roll
    back. The atomic block a test case wraps every test in does not count (Django marks it,
    and its own durable check reads the same mark), so code behaves in tests as it does
    outside them."""
    return any(not block._from_testcase for block in connections[using].atomic_blocks)


# ---------------------------------------------------------------- the read replica (issue 16)

#: The database alias of the streaming read replica (settings: DATABASE_REPLICA_URL adds it).
REPLICA = "replica"
#: Read your own writes: after a person's write request, their reads stay on the primary this long.
_WROTE_KEY = "shoken:db:wrote:{}"


class _Block:
    """An open replica_reads() block; with the request of an opted-in view, it keeps the reads
    on the primary when the signed-in person wrote within DATABASE_REPLICA_STICKY_SECONDS (the
    replica may not have their write yet). Asked at the first routed read, when an API view has
    authenticated its caller (Django REST framework sets request.user then)."""

    __slots__ = ("request", "_primary")

    def __init__(self, request: object = None) -> None:
        self.request = request
        self._primary: bool | None = None

    def primary(self) -> bool:
        if self._primary is None:
            user = getattr(self.request, "user", None)
            if user is None or not user.is_authenticated:
                return False   # not known yet (an API view authenticates later): ask again next time
            self._primary = wrote_lately(user.pk)
        return self._primary


_REPLICA_READS: ContextVar[_Block | None] = ContextVar("shoken_replica_reads", default=None)


def replica_configured() -> bool:
    """Whether the "replica" alias exists (DATABASE_REPLICA_URL, or a test fixture that added it)."""
    return REPLICA in connections.settings


@contextmanager
def replica_reads(*, request: object = None) -> Iterator[None]:
    """Reads in this block may lag: config.db_router.ReplicaRouter sends them to the "replica"
    database when one is configured (else to "default"). Writes, reads inside an application
    transaction, and reads of the grounds of access (users, sessions, tokens, memberships, 2FA
    devices) still use the primary; so does everything when ``request``'s user wrote lately.
    Nests; the previous state comes back at the end of the block."""
    token = _REPLICA_READS.set(_Block(request))
    try:
        yield
    finally:
        _REPLICA_READS.reset(token)


def replica_reads_active() -> bool:
    """Whether reads here may go to the replica: inside a replica_reads() block, and not for a
    person who wrote lately."""
    block = _REPLICA_READS.get()
    return block is not None and not block.primary()


def wrote_lately(user_id: int) -> bool:
    """Whether this user sent a write request within DATABASE_REPLICA_STICKY_SECONDS (marked by
    PrimaryAfterWriteMiddleware). A cache failure counts as yes: the primary is always right."""
    try:
        return cache.get(_WROTE_KEY.format(user_id)) is not None
    except Exception:
        logger.warning("replica: could not read the write mark; reading the primary", exc_info=True)
        return True


class PrimaryAfterWriteMiddleware:
    """Read your own writes: after a request that may have written (any method but GET, HEAD,
    OPTIONS, TRACE) by a signed-in person, their reads in opted-in views stay on the primary for
    DATABASE_REPLICA_STICKY_SECONDS, so the page they are sent to next shows what they just did
    however far the replica lags. Does nothing without a replica."""

    SAFE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in self.SAFE and replica_configured():
            user = getattr(request, "user", None)   # an API view's authenticated caller too
            if user is not None and user.is_authenticated:
                try:
                    cache.set(_WROTE_KEY.format(user.pk), 1, timeout=settings.DATABASE_REPLICA_STICKY_SECONDS)
                except Exception:
                    logger.warning("replica: could not mark a write", exc_info=True)
        return response


def replica_reads_view(view: Callable) -> Callable:
    """A view whose reads may lag (cap tables, histories, dashboards): its body runs inside
    replica_reads(). The signed-in user and the session are loaded from the primary first, so a
    sign-out or a revoked session is never undone by the replica's lag. For class-based views:
    ``method_decorator(replica_reads_view, name="get")``. A streamed response (a CSV) reads
    while it is sent, after the view returned: each chunk is produced in a replica block too.
    Only for views that do not write (a write would still go to the primary)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        user = getattr(request, "user", None)
        if user is not None:
            _ = user.is_authenticated   # evaluates the lazy user: reads the session, on the primary
        with replica_reads(request=request):
            response = view(request, *args, **kwargs)
        if getattr(response, "streaming", False) and not getattr(response, "is_async", False):
            response.streaming_content = _chunks_in_replica_block(response.streaming_content, request)
        return response

    return wrapped


def _chunks_in_replica_block(chunks: Iterator, request: object) -> Iterator:
    """Each next() of ``chunks`` inside replica_reads(); the block is closed again before the
    chunk is handed on (a context variable must not stay set across a generator's yield)."""
    chunks = iter(chunks)
    while True:
        with replica_reads(request=request):
            try:
                chunk = next(chunks)
            except StopIteration:
                return
        yield chunk
