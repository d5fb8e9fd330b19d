"""core.events: an event is written in the transaction of the change it reports, once per key,
and the fan-out is kicked once per transaction."""

from __future__ import annotations

import pytest
from django.db import transaction

from core.events import EventType, event_emit
from core.models import Event

KICKS: list[int] = []


def count_kick() -> None:
    """A test hook standing in for settings.EVENTS_AFTER_COMMIT."""
    KICKS.append(1)


@pytest.fixture
def counted_kicks(settings):
    settings.EVENTS_AFTER_COMMIT = "core.tests.test_events.count_kick"
    KICKS.clear()
    return KICKS


@pytest.mark.django_db(transaction=True)
def test_same_key_twice_is_one_event_and_one_kick(counted_kicks):
    with transaction.atomic():
        event_emit(type=EventType.KYC_DECIDED, key="kyc.decided:1", organization_id=None, data={"review": 1})
        event_emit(type=EventType.KYC_DECIDED, key="kyc.decided:1", organization_id=None, data={"review": 1})
        event_emit(type=EventType.BREAK_FOUND, key="break.found:7", organization_id=3, data={"break": 7})

    assert list(Event.objects.values_list("key", "organization_id")) == [("kyc.decided:1", None), ("break.found:7", 3)]
    assert counted_kicks == [1]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_no_event_and_no_kick(counted_kicks):
    with pytest.raises(RuntimeError), transaction.atomic():
        event_emit(type=EventType.ACTION_FAILED, key="action.failed:1:1", organization_id=None, data={})
        raise RuntimeError("the use case failed")

    assert not Event.objects.exists()
    assert counted_kicks == []


@pytest.mark.django_db
def test_an_unknown_type_is_refused():
    with pytest.raises(ValueError), transaction.atomic():
        event_emit(type="kyc.maybe", key="x", organization_id=None, data={})


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_is_refused(counted_kicks):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        event_emit(type=EventType.KYC_DECIDED, key="k", organization_id=None, data={})
    assert not Event.objects.exists()
