"""core.pagination: the one envelope of every list endpoint, its keyset walks in both directions
(ties on the ordering key, NULLs, lists as well as QuerySets) and its refusals (a bad, forged,
oversized or replayed cursor; a limit out of bounds; a filter outside its enum)."""

from __future__ import annotations

import pytest
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.api import ApiView
from core.models import OutboxEntry
from core.pagination import PaginationError, cursor_paginate, envelope, paginated

pytestmark = pytest.mark.django_db

PATH = "/api/test/entries/"


class EntryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    attempts = serializers.IntegerField()


def _request(path=PATH, **params):
    return Request(APIRequestFactory().get(path, {k: v for k, v in params.items() if v is not None}))


def _entries(attempts: list[int], block_numbers: list[int | None] | None = None) -> list[OutboxEntry]:
    blocks = block_numbers or [None] * len(attempts)
    return [OutboxEntry.objects.create(kind="test.kind", idempotency_key=f"page-{i}", attempts=a, block_number=b)
            for i, (a, b) in enumerate(zip(attempts, blocks, strict=True))]


def _walk(rows, *, limit, backwards_from_end=False, path=PATH, filters=None, **paging):
    """Every page's ids, following `next` (or, from the last page, `previous`)."""
    filters = filters or {}
    pages, cursor = [], None
    while True:
        data = cursor_paginate(_request(path, cursor=cursor, limit=limit, **filters), rows, EntryOutput, **paging).data
        pages.append([r["id"] for r in data["results"]])
        if data["next"] is None:
            break
        cursor = data["next"]
    if not backwards_from_end:
        return pages
    back = [pages[-1]]
    cursor = data["previous"]
    while cursor is not None:
        data = cursor_paginate(_request(path, cursor=cursor, limit=limit, **filters), rows, EntryOutput, **paging).data
        back.insert(0, [r["id"] for r in data["results"]])
        cursor = data["previous"]
    return pages, back


def _error(call) -> PaginationError:
    with pytest.raises(PaginationError) as info:
        call()
    return info.value


# --- walks -----------------------------------------------------------------------------------------

def test_a_queryset_walk_returns_every_row_once_in_order_both_ways_with_ties_on_the_key():
    entries = _entries([3, 1, 3, 3, 2, 1, 3, 2, 2, 3, 1])     # many ties on attempts
    expected = [e.pk for e in sorted(entries, key=lambda e: (-e.attempts, -e.pk))]
    rows = OutboxEntry.objects.filter(kind="test.kind")
    forward, backward = _walk(rows, limit=3, backwards_from_end=True, ordering=("-attempts", "-id"))
    assert [len(p) for p in forward] == [3, 3, 3, 2]
    assert sum(forward, []) == expected
    assert backward == forward


def test_the_primary_key_is_added_as_the_tie_breaker_when_the_ordering_lacks_it():
    entries = _entries([5] * 7)
    rows = OutboxEntry.objects.all()
    pages = _walk(rows, limit=2, ordering=("attempts",))
    assert sum(pages, []) == sorted(e.pk for e in entries)


def test_a_nullable_ordering_field_pages_nulls_where_postgresql_sorts_them():
    _entries([0] * 8, block_numbers=[7, None, 3, None, 7, 1, None, 3])
    rows = OutboxEntry.objects.all()
    for ordering in (("block_number", "id"), ("-block_number", "-id")):
        expected = list(rows.order_by(*ordering).values_list("id", flat=True))
        forward, backward = _walk(rows, limit=3, backwards_from_end=True, ordering=ordering)
        assert sum(forward, []) == expected, ordering
        assert backward == forward, ordering


def test_a_list_walk_returns_every_row_once_both_ways_with_ties_on_the_first_key():
    entries = _entries([2, 2, 1, 2, 1, 3, 3, 2])
    expected = [e.pk for e in sorted(entries, key=lambda e: (e.attempts, e.pk), reverse=True)]
    forward, backward = _walk(list(entries), limit=3, backwards_from_end=True,
                              key=lambda e: (e.attempts, e.pk), reverse=True)
    assert sum(forward, []) == expected
    assert backward == forward
    ascending = _walk(list(entries), limit=5, key=lambda e: (e.attempts, e.pk))
    assert sum(ascending, []) == expected[::-1]


def test_a_list_key_that_is_not_unique_is_a_programming_error():
    entries = _entries([1, 1])
    with pytest.raises(ValueError, match="unique"):
        cursor_paginate(_request(), entries, EntryOutput, key=lambda e: (e.attempts,))


def test_a_single_page_has_no_links_and_an_empty_list_answers_the_empty_envelope():
    _entries([1, 2])
    data = cursor_paginate(_request(limit="5"), OutboxEntry.objects.all(), EntryOutput, ordering=("id",)).data
    assert len(data["results"]) == 2 and data["next"] is None and data["previous"] is None
    empty = {"results": [], "next": None, "previous": None}
    assert cursor_paginate(_request(), OutboxEntry.objects.none(), EntryOutput, ordering=("id",)).data == empty
    assert cursor_paginate(_request(), [], EntryOutput, key=lambda r: (r.pk,)).data == empty


def test_a_page_emptied_since_its_link_was_given_still_leads_back():
    entries = _entries([1, 2, 3, 4])
    rows = OutboxEntry.objects.all()
    first = cursor_paginate(_request(limit=2), rows, EntryOutput, ordering=("id",)).data
    OutboxEntry.objects.filter(pk__in=[e.pk for e in entries[2:]]).delete()
    second = cursor_paginate(_request(limit=2, cursor=first["next"]), rows, EntryOutput, ordering=("id",)).data
    assert second["results"] == [] and second["next"] is None
    back = cursor_paginate(_request(limit=2, cursor=second["previous"]), rows, EntryOutput, ordering=("id",)).data
    assert [r["id"] for r in back["results"]] == [entries[0].pk, entries[1].pk]


def test_a_previous_page_emptied_since_its_link_was_given_still_leads_forward():
    entries = _entries([1, 2, 3, 4])
    rows = OutboxEntry.objects.all()
    first = cursor_paginate(_request(limit=2), rows, EntryOutput, ordering=("id",)).data
    second = cursor_paginate(_request(limit=2, cursor=first["next"]), rows, EntryOutput, ordering=("id",)).data
    OutboxEntry.objects.filter(pk__in=[e.pk for e in entries[:2]]).delete()
    back = cursor_paginate(_request(limit=2, cursor=second["previous"]), rows, EntryOutput, ordering=("id",)).data
    assert back["results"] == [] and back["previous"] is None
    again = cursor_paginate(_request(limit=2, cursor=back["next"]), rows, EntryOutput, ordering=("id",)).data
    assert [r["id"] for r in again["results"]] == [entries[2].pk, entries[3].pk]


def test_extra_keys_are_kept_beside_the_envelope():
    data = cursor_paginate(_request(), [], EntryOutput, key=lambda r: (r.pk,), extra={"totals": {"n": 0}}).data
    assert data == {"results": [], "next": None, "previous": None, "totals": {"n": 0}}


# --- refusals -----------------------------------------------------------------------------------

def _second_page_cursor(**filters) -> str:
    _entries([1, 2, 3])
    return cursor_paginate(_request(limit=1, **filters), OutboxEntry.objects.all(), EntryOutput,
                           ordering=("id",)).data["next"]


@pytest.mark.parametrize("cursor", ["garbage", "a" * 2000, "e30:1k2:abc", "%00"])
def test_a_bad_cursor_is_invalid_cursor(cursor):
    error = _error(lambda: cursor_paginate(_request(cursor=cursor), OutboxEntry.objects.all(), EntryOutput,
                                           ordering=("id",)))
    assert error.code == "invalid_cursor" and error.status == 400 and "cursor" in error.fields


def test_a_tampered_cursor_is_invalid_cursor():
    cursor = _second_page_cursor()
    payload, _, signature = cursor.partition(":")
    tampered = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + ":" + signature
    for bad in (tampered, cursor[:-1], cursor + "x"):
        error = _error(lambda b=bad: cursor_paginate(_request(cursor=b), OutboxEntry.objects.all(), EntryOutput,
                                                     ordering=("id",)))
        assert error.code == "invalid_cursor"


def test_a_cursor_reused_with_other_filters_or_on_another_path_or_ordering_is_refused():
    cursor = _second_page_cursor(status="pending")
    rows = OutboxEntry.objects.all()
    ok = cursor_paginate(_request(cursor=cursor, limit=1, status="pending"), rows, EntryOutput, ordering=("id",))
    assert len(ok.data["results"]) == 1
    for request, ordering in [(_request(cursor=cursor, status="failed"), ("id",)),
                              (_request(cursor=cursor), ("id",)),
                              (_request(cursor=cursor, status="pending", extra="1"), ("id",)),
                              (_request("/api/test/other/", cursor=cursor, status="pending"), ("id",)),
                              (_request(cursor=cursor, status="pending"), ("-id",))]:
        error = _error(lambda r=request, o=ordering: cursor_paginate(r, rows, EntryOutput, ordering=o))
        assert error.code == "invalid_cursor"
    # the limit may change between pages
    assert cursor_paginate(_request(cursor=cursor, limit=2, status="pending"), rows, EntryOutput,
                           ordering=("id",)).status_code == 200


def test_a_list_cursor_is_not_taken_by_a_queryset_of_the_same_path():
    entries = _entries([1, 2, 3])
    cursor = cursor_paginate(_request(limit=1), entries, EntryOutput, key=lambda e: (e.pk,)).data["next"]
    error = _error(lambda: cursor_paginate(_request(cursor=cursor), OutboxEntry.objects.all(), EntryOutput,
                                           ordering=("id",)))
    assert error.code == "invalid_cursor"


@pytest.mark.parametrize("limit", ["0", "201", "-1", "abc", "1.5", " ", "１", "9" * 30])
def test_a_limit_out_of_bounds_is_invalid_limit(limit):
    error = _error(lambda: cursor_paginate(_request(limit=limit), [], EntryOutput, key=lambda r: (r.pk,)))
    assert error.code == "invalid_limit" and "limit" in error.fields


def test_limit_bounds_and_default():
    _entries(list(range(60)))
    rows = OutboxEntry.objects.all()
    for limit, expected in [(None, 50), ("", 50), ("1", 1), ("200", 60), (" 7 ", 7)]:
        data = cursor_paginate(_request(limit=limit), rows, EntryOutput, ordering=("id",)).data
        assert len(data["results"]) == expected, limit


# --- the decorator and the answer through the API's error handler -----------------------------

class _EntriesApi(ApiView):
    authentication_classes = ()
    permission_classes = ()

    @paginated(EntryOutput, filters=[OpenApiParameter("status", str, enum=["pending", "failed"],
                                                      description="Entries in this status."),
                                     OpenApiParameter("min_attempts", int, description="At least this many.")],
               operation_id="test_entries")
    def get(self, request):
        rows = OutboxEntry.objects.all()
        if "status" in request.query_params:
            rows = rows.filter(status=request.query_params["status"])
        return cursor_paginate(request, rows, EntryOutput, ordering=("-created_at", "-id"))


def _call(**params):
    return _EntriesApi.as_view()(APIRequestFactory().get(PATH, params))


def test_the_decorated_view_answers_the_envelope_and_refuses_bad_parameters_with_the_error_body():
    _entries([1, 2, 3])
    assert _call(limit="2").data["next"]
    for params, code, field in [({"status": "nope"}, "invalid_filter", "status"),
                                ({"min_attempts": "x"}, "invalid_filter", "min_attempts"),
                                ({"limit": "500"}, "invalid_limit", "limit"),
                                ({"cursor": "nope"}, "invalid_cursor", "cursor")]:
        response = _call(**params)
        assert response.status_code == 400, params
        assert response.data["error"]["code"] == code and field in response.data["error"]["fields"]


def test_the_envelope_component_is_named_after_the_output_and_reused():
    first = envelope(EntryOutput)
    assert first.__name__ == "PaginatedEntryOutputList"
    assert envelope(EntryOutput) is first
    assert set(first().fields) == {"results", "next", "previous"}
    with pytest.raises(ValueError, match="component="):
        envelope(EntryOutput, extra={"totals": serializers.DictField()})
