"""The scheduled sweep: what the business date makes due (schedules, record closes, payment
runs) happens once however often it runs; one sweep at a time; moving the business date sends
the sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.utils import timezone

from core import clock
from core.clock import business_today
from issuance.models import Security
from ledger.models import CapTableSnapshot
from ledger.snapshots import replay
from servicing.models import CorporateAction, EntitlementLine, PaymentBatch
from servicing.services.payments import batch_decided
from servicing.services.sweep import servicing_sweep
from servicing.tasks import servicing_sweep_task

from .conftest import treasury_fund
from .paying import recorded_action

S = CorporateAction.Status


@pytest.fixture
def funded(bond_held, cash_jpy, servicing_issuer, issuer_admin, cash_agent, fake_reader):
    treasury_fund(servicing_issuer, "100000", admin=issuer_admin, agent=cash_agent)
    return bond_held


def test_the_sweep_pays_a_due_action_once(funded, compliance_officer):
    action = recorded_action(funded, approver=compliance_officer)
    first = servicing_sweep()
    assert first["payment_runs"] == 1 and first["batches"] == 1
    assert servicing_sweep()["batches"] == 0                     # again: nothing new
    batch = PaymentBatch.objects.get(action=action)
    with transaction.atomic():
        batch_decided(batch_id=batch.pk, confirmed=True, tx_hash="0x" + "12" * 32, reason="")
    servicing_sweep()
    action.refresh_from_db()
    assert action.status == S.PAID
    assert PaymentBatch.objects.filter(action=action).count() == 1
    assert set(action.lines.values_list("status", flat=True)) == {EntitlementLine.Status.PAID}


def test_the_sweep_creates_the_schedule_closes_the_record_and_pays(funded, compliance_officer, operator):
    """The bond gets its schedule once; a coupon whose record date has passed is recorded
    (the fake chain agrees) and, approved and due, paid in the same sweep."""
    Security.objects.filter(pk=funded.pk).update(deploy_requested_at=timezone.now())   # paid on chain
    first = servicing_sweep()
    made = CorporateAction.objects.filter(security=funded).count()
    assert first["actions_created"] == made > 0
    assert servicing_sweep().get("actions_created", 0) == 0
    day = business_today()
    coupon = CorporateAction.objects.filter(security=funded, kind=CorporateAction.Kind.COUPON).order_by(
        "sequence").first()
    CorporateAction.objects.filter(pk=coupon.pk).update(record_date=day, ex_date=day, payment_date=day + timedelta(1),
                                                         approved_by=compliance_officer, approved_at=timezone.now())
    # Tomorrow, with the register's snapshot of today kept as the nightly sweep keeps it (moving
    # the business date moves the instants of today's issues past the day: see test_record._past).
    CapTableSnapshot.objects.create(security=funded, as_of=day, positions=replay(security=funded, as_of=day))
    clock.business_date_shift(days=1, actor=operator)
    result = servicing_sweep()
    coupon.refresh_from_db()
    assert result["record_closes"] >= 1
    assert coupon.method == CorporateAction.Method.CHAIN, coupon.blocked_reason
    assert coupon.blocked_reason == ""
    assert coupon.status == S.PAYING and coupon.line_count == 3 and coupon.record_block == 100
    assert PaymentBatch.objects.filter(action=coupon).count() == 1
    servicing_sweep()
    assert PaymentBatch.objects.filter(action=coupon).count() == 1


def test_an_unapproved_action_is_recorded_but_not_paid(funded):
    today = business_today()
    action = CorporateAction.objects.create(
        security=funded, kind=CorporateAction.Kind.COUPON, sequence=99, currency="JPY", declaration_date=today,
        record_date=today - timedelta(days=1), ex_date=today - timedelta(days=1), payment_date=today,
        per_unit_amount="1000")
    servicing_sweep()
    action.refresh_from_db()
    assert action.status == S.RECORDED
    assert not PaymentBatch.objects.filter(action=action).exists()


def test_one_sweep_at_a_time(funded, compliance_officer):
    """While another session holds the sweep's lock, a sweep does nothing."""
    from servicing.services.sweep import _LOCK_KEY

    recorded_action(funded, approver=compliance_officer)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
        assert servicing_sweep() == {"skipped": True}
        assert not PaymentBatch.objects.exists()
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
    finally:
        other.close()
    assert servicing_sweep()["batches"] == 1


def test_the_task_runs_the_sweep_and_beat_schedules_it(settings, funded):
    assert servicing_sweep_task.name == "servicing.sweep"
    assert settings.CELERY_BEAT_SCHEDULE["servicing.sweep"]["task"] == "servicing.sweep"
    result = servicing_sweep_task.run()
    assert result["schedules"] == 1 and "skipped" not in result     # the held bond got its schedule


def test_moving_the_business_date_sends_the_sweep(settings, operator, monkeypatch,
                                                 django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(clock.current_app, "send_task", lambda name, *args, **kwargs: sent.append(name))
    settings.BUSINESS_DATE_CHANGED_TASK = "servicing.sweep"
    with django_capture_on_commit_callbacks(execute=True):
        clock.business_date_shift(days=1, actor=operator)
    assert sent == ["servicing.sweep"]
    settings.BUSINESS_DATE_CHANGED_TASK = ""
    with django_capture_on_commit_callbacks(execute=True):
        clock.business_date_shift(days=-1, actor=operator)
    assert sent == ["servicing.sweep"]
