"""The audit trail: one event per change, hash-chained, append-only in PostgreSQL itself,
and verifiable by `manage.py audit_verify`."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import Error as DatabaseError
from django.urls import reverse

from accounts.models import User
from core import context
from core.audit import GENESIS, _digest, audit_record
from core.models import AuditEvent

TRIGGER = "core_auditevent_no_update_delete"


@pytest.fixture
def three_events(db, verified_investor):
    with transaction.atomic():
        return [
            audit_record(action="test.first", actor=verified_investor, obj=verified_investor, new={"n": 1}),
            audit_record(action="test.second", object_type="test.thing", object_id="7", old={"n": 1}, new={"n": 2}),
            audit_record(action="test.third", actor=verified_investor, new={"amount": "1.50", "currency": "USD"}),
        ]


def _verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def _tamper(sql: str, params: list) -> None:
    """What an attacker with table-owner rights could do: switch the trigger off and edit.
    Everything runs in the test's transaction and is rolled back with it. (ALTER TABLE
    refuses while deferred foreign-key checks are pending, so those are run first.)"""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE core_auditevent DISABLE TRIGGER {TRIGGER}")
        cursor.execute(sql, params)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


# --- the chain -------------------------------------------------------------------------


def test_each_event_links_to_the_hash_of_the_one_before(three_events):
    events = list(AuditEvent.objects.order_by("id"))

    assert [e.action for e in events[-3:]] == ["test.first", "test.second", "test.third"]
    assert events[0].prev_hash == GENESIS
    for previous, current in zip(events, events[1:], strict=False):
        assert current.prev_hash == previous.hash
    assert len({e.hash for e in events}) == len(events)


def test_an_event_names_who_did_what_to_which_object(three_events, verified_investor):
    first = AuditEvent.objects.get(pk=three_events[0].pk)

    assert first.actor == verified_investor
    assert first.action == "test.first"
    assert (first.object_type, first.object_id) == ("accounts.user", str(verified_investor.pk))
    assert first.new_values == {"n": 1}
    second = AuditEvent.objects.get(pk=three_events[1].pk)
    assert second.actor is None  # the system
    assert second.old_values == {"n": 1}


def test_audit_record_refuses_to_run_outside_the_changes_transaction(transactional_db):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(action="test.orphan")
    assert not AuditEvent.objects.filter(action="test.orphan").exists()


# --- append-only, enforced by PostgreSQL ----------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_auditevent SET action = 'test.rewritten' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ],
    ids=["update", "delete"],
)
def test_postgresql_rejects_raw_sql_that_edits_the_trail(three_events, sql):
    target = three_events[1]
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [target.pk])

    assert AuditEvent.objects.get(pk=target.pk).action == "test.second"


def test_postgresql_rejects_orm_updates(three_events):
    target = three_events[1]
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            AuditEvent.objects.filter(pk=target.pk).update(new_values={"n": 999})
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            target.action = "test.rewritten"
            target.save()

    assert AuditEvent.objects.get(pk=target.pk).new_values == {"n": 2}


def test_postgresql_rejects_orm_deletes(three_events):
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            three_events[0].delete()
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            AuditEvent.objects.all().delete()

    assert AuditEvent.objects.filter(pk__in=[e.pk for e in three_events]).count() == 3


def test_an_audited_actor_cannot_be_deleted(three_events, verified_investor):
    with pytest.raises(DatabaseError), transaction.atomic():
        User.objects.filter(pk=verified_investor.pk).delete()
    assert User.objects.filter(pk=verified_investor.pk).exists()


# --- audit_verify ----------------------------------------------------------------------


def test_audit_verify_passes_on_an_intact_chain(three_events):
    output = _verify()

    assert "intact" in output
    assert f"{AuditEvent.objects.count()} events verified" in output


def test_audit_verify_fails_when_a_row_was_altered(three_events):
    target = three_events[1]
    _tamper("UPDATE core_auditevent SET new_values = %s::jsonb WHERE id = %s", ['{"n": 200}', target.pk])

    with pytest.raises(CommandError) as excinfo:
        _verify()

    message = str(excinfo.value)
    assert f"event {target.pk}" in message
    assert "altered" in message


def test_audit_verify_fails_when_a_row_was_rewritten_with_a_fresh_hash(three_events):
    """Recomputing the altered row's own hash does not help: the next link breaks."""
    target, following = three_events[1], three_events[2]
    _tamper("UPDATE core_auditevent SET new_values = %s::jsonb WHERE id = %s", ['{"n": 200}', target.pk])
    forged = AuditEvent.objects.get(pk=target.pk)
    _tamper("UPDATE core_auditevent SET hash = %s WHERE id = %s", [_digest(forged.prev_hash, forged), target.pk])

    with pytest.raises(CommandError) as excinfo:
        _verify()

    assert f"event {following.pk}" in str(excinfo.value)


def test_audit_verify_fails_when_a_middle_row_was_deleted(three_events):
    removed, following = three_events[1], three_events[2]
    _tamper("DELETE FROM core_auditevent WHERE id = %s", [removed.pk])

    with pytest.raises(CommandError) as excinfo:
        _verify()

    message = str(excinfo.value)
    assert f"event {following.pk}" in message
    assert "removed" in message


def test_audit_verify_fails_when_the_newest_row_was_altered(three_events):
    last = three_events[2]
    _tamper("UPDATE core_auditevent SET actor_id = NULL WHERE id = %s", [last.pk])

    with pytest.raises(CommandError, match=f"event {last.pk}"):
        _verify()


# --- request and client address --------------------------------------------------------


def test_the_request_id_header_lands_in_the_event_the_view_writes(client, db):
    response = client.post(
        reverse("accounts:signup"),
        {
            "full_name": "Aiko Tanaka",
            "email": "aiko@example.test",
            "password": "plum-blossom-river-42",
            "password_again": "plum-blossom-river-42",
        },
        HTTP_X_REQUEST_ID="req-7f3a-signup",
        REMOTE_ADDR="203.0.113.9",
    )

    assert response.status_code == 302, response.content
    assert response["X-Request-Id"] == "req-7f3a-signup"
    event = AuditEvent.objects.get(action="user.signed_up")
    assert event.request_id == "req-7f3a-signup"
    assert event.ip_address == "203.0.113.9"
    assert event.actor.email == "aiko@example.test"


def test_a_request_without_the_header_gets_a_generated_id(client, db):
    response = client.get(reverse("accounts:login"))

    assert len(response["X-Request-Id"]) == 32


def test_an_ipv6_client_address_in_any_spelling_keeps_the_chain_verifiable(client, db):
    client.post(reverse("accounts:login"), {"email": "nobody@example.test", "password": "x"},
                REMOTE_ADDR="2001:DB8:0:0::1")

    event = AuditEvent.objects.get(action="user.sign_in_failed")
    assert event.ip_address == "2001:db8::1"
    assert "intact" in _verify()


@pytest.mark.parametrize(
    ("remote_addr", "stored"),
    [
        ("192.0.2.10", "192.0.2.10"),
        ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("::ffff:c000:020a", "::ffff:192.0.2.10"),
        ("", None),  # gunicorn on a unix socket
        ("not-an-address", None),
    ],
)
def test_the_client_address_is_stored_as_postgresql_spells_it(db, remote_addr, stored):
    token = context.client_ip.set(remote_addr)
    try:
        with transaction.atomic():
            event = audit_record(action="test.from_somewhere")
    finally:
        context.client_ip.reset(token)

    assert AuditEvent.objects.get(pk=event.pk).ip_address == stored
    assert "intact" in _verify()
