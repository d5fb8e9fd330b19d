"""`payment_run.paid` (core.events): money of a corporate action reaching its holders writes
one event for the issuer's organization, in the deciding transaction: a cash batch when the
chain confirms it (not when it is submitted), lines paid off chain when marked paid with the
bank's reference. A repeated verdict, a failed batch or a rolled-back one writes none."""

from __future__ import annotations

import pytest
from django.db import transaction

from core.errors import ApplicationError, ConflictError
from core.models import Event
from servicing.models import CorporateAction
from servicing.services.payments import batch_decided, lines_mark_paid, payment_run

from .conftest import treasury_fund
from .paying import recorded_action


def _decide(batch, **kwargs):
    with transaction.atomic():       # chain/ decides inside its own transaction
        return batch_decided(batch_id=batch.pk, tx_hash="0x" + "ab" * 32, **kwargs)


@pytest.fixture
def submitted(bond_held, cash_jpy, servicing_issuer, issuer_admin, cash_agent, compliance_officer, holders):
    treasury_fund(servicing_issuer, "100000", admin=issuer_admin, agent=cash_agent)
    action = recorded_action(bond_held, approver=compliance_officer)
    [batch] = payment_run(action=action)
    return action, batch


def test_a_confirmed_batch_emits_one_event(submitted, bond_held, issuer_org):
    action, batch = submitted
    assert not Event.objects.exists()        # submitted is not paid
    _decide(batch, confirmed=True)
    _decide(batch, confirmed=True)           # reported again: nothing new
    event = Event.objects.get()
    assert (event.type, event.key, event.organization_id) == (
        "payment_run.paid", f"payment_run.paid:{action.pk}:batch:{batch.pk}", issuer_org.pk)
    assert event.data == {"corporate_action": action.pk, "batch": batch.pk, "security": bond_held.pk, "lines": 3,
                          "total": {"amount": "60000", "currency": "JPY"}}


def test_a_failed_or_rolled_back_batch_emits_nothing(submitted):
    _action, batch = submitted
    with pytest.raises(RuntimeError), transaction.atomic():
        batch_decided(batch_id=batch.pk, confirmed=True, tx_hash="0x" + "ab" * 32)
        raise RuntimeError("the chain's transaction fails")
    assert not Event.objects.exists()
    _decide(batch, confirmed=False, reason="InsufficientBalance")
    assert not Event.objects.exists()


def test_lines_marked_paid_off_chain_emit_one_event(bond_held, compliance_officer, issuer_admin, issuer_org):
    action = recorded_action(bond_held, approver=compliance_officer, method=CorporateAction.Method.OFFCHAIN)
    first, second, third = action.lines.order_by("id")
    lines_mark_paid(action=action, reference="MIZUHO-0001", line_ids=[second.pk, first.pk], actor=issuer_admin)
    with pytest.raises(ConflictError):      # paid already: refused, nothing emitted
        lines_mark_paid(action=action, reference="MIZUHO-0001", line_ids=[first.pk], actor=issuer_admin)
    lines_mark_paid(action=action, reference="MIZUHO-0002", actor=issuer_admin)    # the rest
    rows = list(Event.objects.order_by("id").values_list("key", "organization_id", "data"))
    assert rows == [
        (f"payment_run.paid:{action.pk}:lines:{first.pk}", issuer_org.pk,
         {"corporate_action": action.pk, "batch": None, "security": bond_held.pk, "lines": 2,
          "total": {"amount": str(int(first.net + second.net)), "currency": "JPY"}}),
        (f"payment_run.paid:{action.pk}:lines:{third.pk}", issuer_org.pk,
         {"corporate_action": action.pk, "batch": None, "security": bond_held.pk, "lines": 1,
          "total": {"amount": str(int(third.net)), "currency": "JPY"}}),
    ]


def test_a_refused_marking_emits_nothing(bond_held, compliance_officer, issuer_admin):
    action = recorded_action(bond_held, approver=compliance_officer, method=CorporateAction.Method.OFFCHAIN)
    first = action.lines.order_by("id").first()
    with pytest.raises(ApplicationError):   # bad input: no reference
        lines_mark_paid(action=action, reference="", line_ids=[first.pk], actor=issuer_admin)
    assert not Event.objects.exists()
