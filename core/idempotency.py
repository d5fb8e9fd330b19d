"""Idempotency-Key on every API write (issue 17): a client that sends the same write twice
(a retry after a timeout, a double click) gets the first answer again instead of a second
effect.

The rules (docs/security.md, "Idempotency keys"):

- Which requests: POST, PUT, PATCH and DELETE of an API view (core.api.ApiView) by a signed-in
  caller that send the `Idempotency-Key` header. The key is 1 to 128 visible ASCII characters
  (KEY_PATTERN, the one definition: ledger.services.client_keys uses it too); a malformed or
  empty header is a 400 invalid_idempotency_key. Not covered: anonymous requests (the header
  is ignored there: /api/auth/token/ is the only anonymous write), views that record the
  client's key in their own service (`idempotency = "service"`: the ledger's issue, transfer,
  redeem and holding transfer, whose keys live forever on the TokenAction, shared by an
  organization's members, a different request being a 409 idempotency_conflict), and views
  that opt out (`idempotency = "none"`, e.g. an answer carrying a secret shown once, which must
  not be kept in this table).
- Scope: the key belongs to the signed-in user (every session and API token of that user
  shares it); another user's same key is another key.
- Fingerprint: SHA-256 over the method, the full path with its query string, the user and the
  SHA-256 of the raw body (a multipart upload's raw bytes too).
- The first request claims the key: one row (unique user + key) inserted and committed in its
  own short transaction before the view runs, the view's services then open their own
  (durable) transactions. While it runs, the claim is held by a PostgreSQL session advisory
  lock of the worker's connection (like core.db.single_flight). A second request with the key:
    same fingerprint, finished ........ the stored answer again (status, body, content type)
                                         with `Idempotent-Replayed: true`; the view does not run
    same fingerprint, still running ... 409 idempotency_key_in_progress, Retry-After: 1
    another fingerprint ............... 422 idempotency_key_reused (running or finished)
- What is stored: the status, the content type and the body (encrypted at rest with the
  personal data's keys, IDEMPOTENCY_CIPHER = investors.fields, since an answer may carry some:
  a profile's address) of every answer below 500 the view's handler gave, except 429: a refusal
  by a service or by its input check included (the operation ran, so its answer is the answer
  to that request, as Stripe does). Not stored, the key freed for a retry: 5xx and uncaught
  errors, 429, bodies neither JSON nor empty, and whatever is refused before the handler runs
  (authentication, permission classes, throttling, a malformed body or key: the claim comes
  after them).
- A crashed worker: its connection closes, PostgreSQL drops its advisory lock, and the next
  request with the same fingerprint takes the claim over and runs the view (no lease to wait
  for). The only window where that runs a write twice is a crash after the service committed
  and before the answer was stored (serializing the answer and one UPDATE). The web tier must
  therefore use session connections (no transaction-pooling proxy), as single_flight already
  requires.
- Expiry: IDEMPOTENCY_KEY_TTL_HOURS (24) after the claim; an expired key is claimed afresh, and
  the beat task core.idempotency_purge deletes expired rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response

from . import context
from .db import in_transaction
from .errors import ApplicationError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = 128
KEY_PATTERN = r"^[\x21-\x7e]{1,128}$"   # visible ASCII: no space, control or non-ASCII character
_KEY = re.compile(KEY_PATTERN)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: View attribute `idempotency`: REPLAY (the default), SERVICE (the view's service records the
#: key itself) or NONE (not covered).
REPLAY, SERVICE, NONE = "replay", "service", "none"
#: First key of the two-int advisory locks that hold a running claim ("IDKY"); the second is the row id.
_LOCK_CLASS = 0x49444B59
_DB = DEFAULT_DB_ALIAS
_NOT_STORED = {429}
RETRY_AFTER_SECONDS = 1


# ---------------------------------------------------------------- the key itself

def _invalid() -> ApplicationError:
    message = _("The idempotency key must be 1 to 128 visible ASCII characters (no spaces).")
    return ApplicationError(message, code="invalid_idempotency_key", fields={HEADER: [message]})


def key_clean(key: object) -> str | None:
    """A client's idempotency key as sent (None or "" when none): 1 to 128 visible ASCII
    characters (no spaces, no control characters), or a 400 invalid_idempotency_key."""
    if key is None or key == "":
        return None
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise _invalid()
    return key


def key_from_header(value: str | None) -> str | None:
    """The Idempotency-Key header as sent: None when absent; present, it must be a valid key
    (an empty header is refused like any other malformed one, not taken as "no key")."""
    if value is None:
        return None
    if value == "":
        raise _invalid()
    return key_clean(value)


def fingerprint(*, method: str, full_path: str, user_id: int, body_sha256: str) -> str:
    """What makes two requests "the same request" under one key."""
    text = "\n".join([method.upper(), full_path, str(user_id), body_sha256])
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def ttl() -> dt.timedelta:
    return dt.timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


# ---------------------------------------------------------------- claims

class Answered(Exception):
    """Raised by ApiView.initial when the answer is known without running the view (a replay,
    409 in progress, 422 reused); ApiView.handle_exception returns its response."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__(response.status_code)
        self.response = response


@dataclass
class Claim:
    """A running claim this request holds (the row and its advisory lock)."""

    pk: int
    done: bool = False


def _lock_args(pk: int) -> list[int]:
    return [_LOCK_CLASS, pk & 0x7FFFFFFF]


def _try_lock(cursor, pk: int) -> bool:
    cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", _lock_args(pk))
    return bool(cursor.fetchone()[0])


def _unlock(pk: int) -> None:
    connection = connections[_DB]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", _lock_args(pk))
    except Exception:
        # A broken connection: closing it is what frees the lock for sure.
        connection.close()
        raise


def _error(status: int, code: str, message: str) -> Response:
    return Response(ApplicationError(message, code=code).as_dict(), status=status)


def _in_progress() -> Response:
    response = _error(409, "idempotency_key_in_progress",
                      _("A request with this idempotency key is still being processed. Retry in a moment."))
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _reused() -> Response:
    return _error(422, "idempotency_key_reused",
                  _("This idempotency key was already used for a different request. Use a new key."))


def _replay(status: int, content_type: str, body: str) -> HttpResponse:
    response = HttpResponse(body.encode("utf-8"), status=status)
    if content_type:
        response["Content-Type"] = content_type
    else:
        del response["Content-Type"]
    response[REPLAYED_HEADER] = "true"
    return response


_CLAIM_SQL = """
INSERT INTO core_idempotencykey (user_id, key, fingerprint, method, path, state, status_code, content_type, body,
                                 request_id, created_at, expires_at)
VALUES (%s, %s, %s, %s, %s, 'running', NULL, '', '', %s, %s, %s)
ON CONFLICT (user_id, key) DO NOTHING
RETURNING id
"""
_FIND_SQL = ("SELECT id, fingerprint, state, status_code, content_type, body, expires_at FROM core_idempotencykey "
             "WHERE user_id = %s AND key = %s FOR UPDATE")
_RECLAIM_SQL = """
UPDATE core_idempotencykey SET fingerprint = %s, method = %s, path = %s, state = 'running', status_code = NULL,
       content_type = '', body = '', request_id = %s, created_at = %s, expires_at = %s
WHERE id = %s
"""


def claim(*, user_id: int, key: str, print_: str, method: str, path: str, now: dt.datetime | None = None) -> Claim:
    """Claim `key` of `user_id` for the request whose fingerprint is `print_`, committed at once
    (its own transaction; never inside the caller's), or raise Answered with the answer the
    request gets instead: the stored one, 409 in progress, 422 reused."""
    if in_transaction(_DB):
        raise RuntimeError("an idempotency claim commits before the view runs: never inside a transaction")
    now = now or timezone.now()
    expires = now + ttl()
    request_id = context.request_id.get()[:64]
    connection = connections[_DB]
    locked = None
    try:
        with transaction.atomic(using=_DB), connection.cursor() as cursor:
            cursor.execute(_CLAIM_SQL, [user_id, key, print_, method, path[:2000], request_id, now, expires])
            row = cursor.fetchone()
            if row is not None:
                if not _try_lock(cursor, row[0]):   # only a claim 2**31 rows away could hold it
                    raise RuntimeError("the lock of a new idempotency claim is taken")
                locked = row[0]
                return Claim(pk=locked)
            cursor.execute(_FIND_SQL, [user_id, key])
            pk, stored_print, state, status, content_type, body, expires_at = cursor.fetchone()
            expired = expires_at <= now
            if not expired and stored_print != print_:
                raise Answered(_reused())
            if state == "done" and not expired:
                raise Answered(_replay(status, content_type, _open(body)))
            # Expired (any state), or running with the same fingerprint: take it over only when
            # nobody holds it (the worker that claimed it finished or died with its connection).
            if not _try_lock(cursor, pk):
                raise Answered(_in_progress())
            locked = pk
            cursor.execute(_RECLAIM_SQL, [print_, method, path[:2000], request_id, now, expires, pk])
            return Claim(pk=pk)
    except BaseException:
        if locked is not None:
            _unlock(locked)
        raise


def _cipher():
    """The module whose encrypt/decrypt keep stored answers encrypted at rest (settings
    IDEMPOTENCY_CIPHER, a dotted path: core imports no higher app; investors.fields, the
    personal data's own Fernet keys), or None to store them as they are."""
    name = getattr(settings, "IDEMPOTENCY_CIPHER", "")
    return import_module(name) if name else None


def _seal(body: str) -> str:
    cipher = _cipher()
    return cipher.encrypt(body) if body and cipher is not None else body


def _open(body: str) -> str:
    cipher = _cipher()
    return cipher.decrypt(body) if body and cipher is not None else body


def finish(claim_: Claim, *, status: int, content_type: str, body: str) -> None:
    """Store the answer of a claimed request (its body encrypted: _seal) and let the claim go."""
    claim_.done = True
    try:
        body = _seal(body)
        with connections[_DB].cursor() as cursor:
            cursor.execute("UPDATE core_idempotencykey SET state = 'done', status_code = %s, content_type = %s, "
                           "body = %s WHERE id = %s", [status, content_type[:100], body, claim_.pk])
    finally:
        _unlock(claim_.pk)


def release(claim_: Claim) -> None:
    """Forget a claimed request (5xx, an uncaught error, an answer not kept): the key is free
    for a retry."""
    claim_.done = True
    try:
        with connections[_DB].cursor() as cursor:
            cursor.execute("DELETE FROM core_idempotencykey WHERE id = %s AND state = 'running'", [claim_.pk])
    finally:
        _unlock(claim_.pk)


def storable(response) -> tuple[str, str] | None:
    """(content type, body) of an answer to keep, or None: below 500 and not 429, rendered,
    JSON or empty."""
    if response.status_code >= 500 or response.status_code in _NOT_STORED or response.streaming:
        return None
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    content = response.content
    content_type = response.get("Content-Type", "")
    if content and "json" not in content_type:
        return None
    try:
        return content_type, content.decode("utf-8")
    except UnicodeDecodeError:
        return None


# ---------------------------------------------------------------- the DRF view's side

# What core.api.ApiView calls.

def view_read_body(view, request) -> None:
    """Before DRF wraps the request: the raw body's hash, when a write carries the header (read
    once; DRF's parsers then read the cached bytes, a multipart upload's too)."""
    view.idempotency_body = None
    view.idempotency_claim = None
    if request.method in WRITE_METHODS and request.META.get("HTTP_IDEMPOTENCY_KEY") is not None:
        view.idempotency_body = hashlib.sha256(request.body).hexdigest()


def view_begin(view, request) -> None:
    """After authentication, permissions, throttling and parsing: claim the key (or raise
    Answered / the 400 of a malformed key)."""
    if view.idempotency_body is None or getattr(view, "idempotency", REPLAY) != REPLAY:
        return
    user = request.user
    if not (user and user.is_authenticated):
        return
    if not hasattr(view, request.method.lower()):
        return   # 405: nothing runs
    key = key_from_header(request.headers.get(HEADER))
    full_path = request.get_full_path()
    print_ = fingerprint(method=request.method, full_path=full_path, user_id=user.pk,
                         body_sha256=view.idempotency_body)
    view.idempotency_claim = claim(user_id=user.pk, key=key, print_=print_, method=request.method,
                                   path=full_path)


def view_end(view, response) -> None:
    """The handler's answer: stored (finish) or not (release)."""
    claim_ = getattr(view, "idempotency_claim", None)
    if claim_ is None or claim_.done:
        return
    kept = storable(response)
    if kept is None:
        release(claim_)
    else:
        finish(claim_, status=response.status_code, content_type=kept[0], body=kept[1])


def view_abandon(view) -> None:
    """An uncaught error left the claim running: free it."""
    claim_ = getattr(view, "idempotency_claim", None)
    if claim_ is not None and not claim_.done:
        release(claim_)


# ---------------------------------------------------------------- upkeep

def purge_expired(*, now: dt.datetime | None = None, batch: int = 5000) -> int:
    """Delete expired keys in batches (the beat task core.idempotency_purge); returns how many."""
    from .models import IdempotencyKey

    now = now or timezone.now()
    total = 0
    while True:
        ids = list(IdempotencyKey.objects.filter(expires_at__lte=now).values_list("pk", flat=True)[:batch])
        if not ids:
            return total
        total += IdempotencyKey.objects.filter(pk__in=ids, expires_at__lte=now).delete()[0]
