"""Rotating the secret: during the overlap every delivery carries two v1 signatures (the new
secret's first, the previous one's second), so a receiver that still holds the old secret keeps
verifying; once the overlap ends the old secret signs nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from core.events import EventType
from core.models import AuditEvent
from webhooks.delivery import deliver_due
from webhooks.fanout import fan_out_pending
from webhooks.services import endpoint_create, endpoint_rotate

from .conftest import emit

pytestmark = pytest.mark.django_db


def test_both_secrets_sign_during_the_overlap_and_the_old_one_expires(receiver, operator, settings):
    settings.WEBHOOK_SECRET_OVERLAP_SECONDS = 3600
    endpoint, old = endpoint_create(actor=operator, url=receiver.url, event_types=[EventType.ACTION_FAILED])
    endpoint, new = endpoint_rotate(endpoint=endpoint, actor=operator)
    assert new != old
    receiver.secrets = {"old": old, "new": new}

    emit(EventType.ACTION_FAILED, key="outbox:1:failed", organization_id=None, data={"outbox": 1})
    fan_out_pending()
    deliver_due()
    [during] = receiver.wait_for(1)
    assert during.signatures_ok == {"old": True, "new": True}
    assert during.headers["Shoken-Signature"].count("v1=") == 2

    # an hour and a second later (sender and receiver share the clock the test moves)
    after = endpoint.previous_secret_expires_at + dt.timedelta(seconds=1)
    receiver.clock = after.timestamp
    emit(EventType.ACTION_FAILED, key="outbox:2:failed", organization_id=None, data={"outbox": 2})
    fan_out_pending()
    assert deliver_due(now=after) == 1
    expired = receiver.wait_for(2)[1]
    assert expired.signatures_ok == {"old": False, "new": True}
    assert expired.headers["Shoken-Signature"].count("v1=") == 1

    audit = AuditEvent.objects.get(action="webhook.secret_rotated")
    assert audit.actor == operator and audit.object_id == str(endpoint.pk)
    assert old not in str(audit.new_values) and new not in str(audit.new_values)


def test_a_second_rotation_drops_the_oldest_secret(receiver, operator):
    endpoint, first = endpoint_create(actor=operator, url=receiver.url, event_types=[EventType.ACTION_FAILED])
    endpoint, second = endpoint_rotate(endpoint=endpoint, actor=operator)
    endpoint, third = endpoint_rotate(endpoint=endpoint, actor=operator)
    receiver.secrets = {"first": first, "second": second, "third": third}
    emit(EventType.ACTION_FAILED, key="outbox:3:failed", organization_id=None)
    fan_out_pending()
    deliver_due()
    assert receiver.wait_for(1)[0].signatures_ok == {"first": False, "second": True, "third": True}
