"""Cursor (keyset) pagination for every list endpoint of the API: one envelope, one pair of
parameters, one error for a bad cursor.

    GET ...?cursor=<opaque>&limit=<1..200, default 50>&<the endpoint's documented filters>
    200 {"results": [...], "next": "<cursor>" | null, "previous": "<cursor>" | null, <extra keys>}

A view documents and answers it so:

    class FooListApi(ApiView):
        @paginated(FooOutput, filters=[OpenApiParameter("status", str, enum=[...], description="...")],
                   tags=[TAG], operation_id="foo_list")
        def get(self, request):
            rows = selectors.foos_for(user=request.user, status=request.query_params.get("status"))
            return cursor_paginate(request, rows, FooOutput, ordering=("-created_at", "-id"))

`rows` is a QuerySet (preferred: the page is read with a keyset WHERE ... ORDER BY ... LIMIT, no
OFFSET, so page 1,000 costs what page 1 costs) or a list, sorted here by `key` (a tuple of
non-null values, unique per row: end it with the primary key) in Python.

Cursors are signed JSON (django.core.signing, salted with the endpoint's path) and opaque to
clients. Each names the direction and the last key seen, and carries a digest of the endpoint's
path, its filter values (every query parameter but cursor and limit) and the ordering: a cursor
replayed on another endpoint, with other filters, or after the ordering changed, a forged or
truncated one, is a 400 `invalid_cursor` (fields.cursor). A limit outside 1..200 is a 400 `invalid_limit`; a filter
value outside its documented enum (or not a number, for a number filter) a 400 `invalid_filter`,
checked by `paginated` before the view runs.

Orderings may name nullable fields: NULL sorts as PostgreSQL sorts it (after every value
ascending, before every value descending), and the keyset says the same.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal, InvalidOperation

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from .errors import ApplicationError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
CURSOR_MAX = 1000
_SALT = "core.pagination.cursor:"
_PAGING_PARAMS = frozenset({"cursor", "limit"})

CURSOR_PARAMETER = OpenApiParameter(
    "cursor", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False,
    description="Opaque cursor of the page to read: the `next` or `previous` of an earlier answer of this "
                "endpoint with the same filters (else 400 `invalid_cursor`). Omit it for the first page.")
LIMIT_PARAMETER = OpenApiParameter(
    "limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    OpenApiParameter.QUERY, required=False,
    description=f"Rows per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}; else 400 `invalid_limit`).")


class PaginationError(ApplicationError):
    """A cursor, limit or filter value the list cannot take (400)."""

    default_code = "invalid_cursor"


def _cursor_error() -> PaginationError:
    message = _("This page link is not valid for this list (or its filters changed): start again from the first page.")
    return PaginationError(message, code="invalid_cursor", fields={"cursor": [message]})


# --- parameters ----------------------------------------------------------------------------------

def page_limit(request) -> int:
    """The request's `limit`, checked (400 invalid_limit)."""
    raw = request.query_params.get("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    value = raw.strip()
    if value.isascii() and value.isdigit() and len(value) <= 6 and 1 <= int(value) <= MAX_LIMIT:
        return int(value)
    message = _("A page holds 1 to %(n)s rows.") % {"n": MAX_LIMIT}
    raise PaginationError(message, code="invalid_limit", fields={"limit": [message]})


def _filter_digest(request, ordering: Sequence[str]) -> str:
    params = sorted((k, sorted(v)) for k, v in request.query_params.lists() if k not in _PAGING_PARAMS)
    blob = json.dumps([request.path, params, list(ordering)], ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


# --- key values in a cursor: typed, so a datetime comes back a datetime ------------------------

def _encode_value(value):
    if value is None:
        return ["z", None]
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, int):
        return ["i", value]
    if isinstance(value, str):
        return ["s", value]
    if isinstance(value, dt.datetime):
        return ["t", value.isoformat()]
    if isinstance(value, dt.date):
        return ["d", value.isoformat()]
    if isinstance(value, Decimal):
        return ["n", str(value)]
    if isinstance(value, uuid.UUID):
        return ["u", str(value)]
    raise TypeError(f"cursor_paginate cannot key on a {type(value).__name__}")


_DECODERS: dict[str, Callable] = {
    "z": lambda v: None if v is None else _bad(),
    "b": lambda v: v if isinstance(v, bool) else _bad(),
    "i": lambda v: v if isinstance(v, int) and not isinstance(v, bool) else _bad(),
    "s": lambda v: v if isinstance(v, str) else _bad(),
    "t": lambda v: dt.datetime.fromisoformat(v),
    "d": lambda v: dt.date.fromisoformat(v),
    "n": lambda v: Decimal(v),
    "u": lambda v: uuid.UUID(v),
}


def _bad():
    raise ValueError


def _decode_value(item):
    if not (isinstance(item, list) and len(item) == 2 and item[0] in _DECODERS):
        raise ValueError
    return _DECODERS[item[0]](item[1])


def _encode_cursor(direction: str, key: Sequence, digest: str, salt: str) -> str:
    """direction: "a" after the key, "b" before it; "A" and "B" include the key itself (the links
    of a page emptied since its link was given lead back to the rows around the key last seen)."""
    return signing.dumps({"d": direction, "k": [_encode_value(v) for v in key], "f": digest}, salt=salt,
                         compress=False)


def _decode_cursor(raw: str | None, digest: str, salt: str, width: int | None) -> tuple[str, tuple] | None:
    """(direction, key) of a cursor of this list, None without one; `width`: the key's length
    (None for a list's rows, whose key width is only known from the rows)."""
    if raw is None or raw == "":
        return None
    if len(raw) > CURSOR_MAX:
        raise _cursor_error()
    try:
        data = signing.loads(raw, salt=salt)
        if (not isinstance(data, dict) or data.get("f") != digest or data.get("d") not in ("a", "b", "A", "B")
                or not isinstance(data.get("k"), list) or (width is not None and len(data["k"]) != width)):
            raise ValueError
        key = tuple(_decode_value(item) for item in data["k"])
    except (signing.BadSignature, ValueError, TypeError, InvalidOperation, AttributeError):
        raise _cursor_error() from None
    return data["d"], key


# --- keyset over a QuerySet ----------------------------------------------------------------------

def _normalized(ordering: Sequence[str]) -> list[tuple[str, bool]]:
    """(field, descending) pairs, ending with the primary key (the tie-breaker) if not given."""
    fields = [(f[1:], True) if f.startswith("-") else (f, False) for f in ordering]
    if not fields:
        raise ValueError("cursor_paginate needs an ordering for a QuerySet")
    if fields[-1][0] not in ("pk", "id"):
        fields.append(("pk", fields[-1][1]))
    return fields


def _after(field: str, value, greater: bool) -> Q:
    """Rows strictly after `value` in ascending (greater) or descending order, NULL being the
    largest value (PostgreSQL's order)."""
    if greater:
        return Q(pk__in=[]) if value is None else Q(**{f"{field}__gt": value}) | Q(**{f"{field}__isnull": True})
    return Q(**{f"{field}__isnull": False}) if value is None else Q(**{f"{field}__lt": value})


def _equal(field: str, value) -> Q:
    return Q(**{f"{field}__isnull": True}) if value is None else Q(**{field: value})


def _keyset(fields: list[tuple[str, bool]], key: tuple, forward: bool, inclusive: bool = False) -> Q:
    """(f1 > k1) OR (f1 = k1 AND f2 > k2) OR ..., each > read in the field's direction
    (OR every field equal, when inclusive)."""
    condition = Q(pk__in=[])
    prefix = Q()
    for (field, descending), value in zip(fields, key, strict=True):
        condition |= prefix & _after(field, value, greater=(descending != forward))
        prefix &= _equal(field, value)
    return condition | prefix if inclusive else condition


def _value_of(row, field: str):
    value = row
    for part in field.split("__"):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    return value


def _page_of_queryset(rows: QuerySet, fields, position, limit: int) -> tuple[list, bool]:
    forward = position is None or position[0] in "aA"
    order = [(f"-{f}" if d else f) if forward else (f if d else f"-{f}") for f, d in fields]
    if position is not None:
        rows = rows.filter(_keyset(fields, position[1], forward, inclusive=position[0] in "AB"))
    page = list(rows.order_by(*order)[: limit + 1])
    return page, forward


# --- keyset over a list ------------------------------------------------------------------------

def _page_of_list(rows: Iterable, key: Callable, reverse: bool, position, limit: int) -> tuple[list, bool]:
    keyed = sorted(((tuple(key(r)), r) for r in rows), key=lambda pair: pair[0], reverse=reverse)
    for (a, _r), (b, _s) in zip(keyed, keyed[1:], strict=False):
        if a == b:
            raise ValueError("cursor_paginate: the key must be unique per row (end it with the primary key)")
    forward = position is None or position[0] in "aA"
    if position is not None:
        k, inclusive = position[1], position[0] in "AB"
        try:
            if forward:
                keyed = [p for p in keyed if (p[0] < k if reverse else p[0] > k) or (inclusive and p[0] == k)]
            else:
                keyed = [p for p in keyed if (p[0] > k if reverse else p[0] < k) or (inclusive and p[0] == k)][::-1]
        except TypeError:   # a key of another shape than this list's (signed by us, so: code changed)
            raise _cursor_error() from None
    return [r for _k, r in keyed[: limit + 1]], forward


# --- the answer -----------------------------------------------------------------------------------

def cursor_paginate(request, rows, serializer: type[serializers.BaseSerializer] | None, *,
                    ordering: Sequence[str] = (), key: Callable | None = None, reverse: bool = False,
                    extra: dict | None = None, render: Callable[[list], list] | None = None) -> Response:
    """One page of `rows` as {"results", "next", "previous", **extra}.

    A QuerySet is paged in SQL by `ordering` (model field paths, "-" for descending; the primary
    key is added as the last tie-breaker when not given); a list (or any iterable) by `key`
    (row -> tuple of non-null values, unique per row), descending when `reverse`. `serializer`
    renders the page's rows (None: rows are given as they should be answered). `render` turns
    the page's rows into what `serializer` takes (work done for the page's rows only)."""
    limit = page_limit(request)
    cursor_salt = _SALT + request.path
    if isinstance(rows, QuerySet) and key is None:
        fields = _normalized(ordering)
        digest = _filter_digest(request, [("-" if d else "") + f for f, d in fields])
        position = _decode_cursor(request.query_params.get("cursor"), digest, cursor_salt, len(fields))
        page, forward = _page_of_queryset(rows, fields, position, limit)

        def key_of(row):
            return tuple(_value_of(row, f) for f, _d in fields)
    else:
        if key is None:
            raise ValueError("cursor_paginate needs `key` for a list")
        digest = _filter_digest(request, ["list", "desc" if reverse else "asc", *ordering])
        position = _decode_cursor(request.query_params.get("cursor"), digest, cursor_salt, None)
        page, forward = _page_of_list(rows, key, reverse, position, limit)

        def key_of(row):
            return tuple(key(row))
    more = len(page) > limit
    page = page[:limit]
    if not forward:
        page.reverse()
    first = key_of(page[0]) if page else (position[1] if position else None)
    last = key_of(page[-1]) if page else first
    next_cursor = previous_cursor = None
    if first is not None:
        if (forward and more) or (not forward and position is not None):
            next_cursor = _encode_cursor("a" if page else "A", last, digest, cursor_salt)
        if (forward and position is not None) or (not forward and more):
            previous_cursor = _encode_cursor("b" if page else "B", first, digest, cursor_salt)
    if render is not None:
        page = list(render(page))
    results = serializer(page, many=True).data if serializer is not None else page
    return Response({"results": results, "next": next_cursor, "previous": previous_cursor, **(extra or {})})


# --- the schema --------------------------------------------------------------------------------

_ENVELOPES: dict[str, tuple[type, tuple]] = {}


def _component_base(output) -> str:
    cls = output if isinstance(output, type) else type(output)
    name = getattr(getattr(cls, "Meta", None), "ref_name", None) or cls.__name__
    return name.removesuffix("Serializer")


def envelope(output: type[serializers.BaseSerializer], *, extra: dict | None = None,
             component: str | None = None) -> type[serializers.Serializer]:
    """The serializer documenting a page of `output`: Paginated<Output>List with results, next,
    previous and the `extra` fields (name -> serializer field)."""
    name = component or f"Paginated{_component_base(output)}List"
    signature = (output, tuple(sorted((extra or {}).keys())))
    known = _ENVELOPES.get(name)
    if known is not None:
        if known[1] != signature:
            raise ValueError(f"two different paginated envelopes named {name}: pass component=")
        return known[0]
    attrs = {
        "results": output(many=True),
        "next": serializers.CharField(allow_null=True,
                                      help_text="Cursor of the next page (pass as ?cursor=), or null."),
        "previous": serializers.CharField(allow_null=True,
                                          help_text="Cursor of the previous page (pass as ?cursor=), or null."),
        **(extra or {}),
    }
    cls = type(name, (serializers.Serializer,), attrs)
    cls.__module__ = __name__
    _ENVELOPES[name] = (cls, signature)
    return cls


def _check_filters(request, filters: Sequence[OpenApiParameter]) -> None:
    for param in filters:
        if param.location != OpenApiParameter.QUERY:
            continue
        values = request.query_params.getlist(param.name)
        for value in values:
            if value == "":
                continue   # an empty filter (a form's unset field) is no filter
            if param.enum and value not in [str(e) for e in param.enum]:
                message = _("Choose one of: %(choices)s.") % {"choices": ", ".join(str(e) for e in param.enum)}
            elif param.type in (int, OpenApiTypes.INT) and not (value.isascii() and value.isdigit()
                                                                 and len(value) <= 18):
                message = _("Give a whole number.")
            elif param.type in (bool, OpenApiTypes.BOOL) and value not in ("true", "false"):
                message = _("Give true or false.")
            else:
                continue
            raise PaginationError(message, code="invalid_filter", fields={param.name: [message]})


def enum_filter(name: str, choices, description: str) -> OpenApiParameter:
    """A documented query filter taking one of `choices` (a TextChoices class or values)."""
    values = list(choices.values) if hasattr(choices, "values") else list(choices)
    return OpenApiParameter(name, str, OpenApiParameter.QUERY, enum=values, description=description)


def filter_rows(request, rows: QuerySet, **lookups: str) -> QuerySet:
    """`rows` filtered by each query parameter given (not empty): filter_rows(request, qs, status="status")."""
    for param, lookup in lookups.items():
        value = request.query_params.get(param)
        if value:
            rows = rows.filter(**{lookup: value})
    return rows


def paginated(output: type[serializers.BaseSerializer], *, filters: Sequence[OpenApiParameter] = (),
              extra: dict | None = None, component: str | None = None, **schema):
    """Decorates a list view's get(): documents the Paginated<Output>List answer, the cursor and
    limit parameters and `filters` (OpenApiParameter; give enum and description), and refuses a
    filter value outside its enum or type (400 invalid_filter) before the view runs. Other keyword
    arguments go to extend_schema (tags, operation_id, description, responses for errors, ...)."""
    body = envelope(output, extra=extra, component=component)
    filters = list(filters)
    parameters = [CURSOR_PARAMETER, LIMIT_PARAMETER, *filters, *(schema.pop("parameters", None) or [])]
    responses = {200: body, **{k: v for k, v in (schema.pop("responses", None) or {}).items() if k != 200}}

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, request, *args, **kwargs):
            _check_filters(request, filters)
            page_limit(request)
            return method(self, request, *args, **kwargs)

        wrapper.paginated_filters = tuple(p.name for p in filters)
        return extend_schema(parameters=parameters, responses=responses, **schema)(wrapper)

    return decorate
