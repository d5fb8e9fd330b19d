"""A paid corporate action tells each holder once (notifications.hooks.payments_received):
on chain when the batch is confirmed (not when it is submitted), off chain when the lines are
marked paid; the kind of payment said in the holder's language."""

from __future__ import annotations

from django.db import transaction

from notifications.kinds import Kind
from notifications.models import Notification
from servicing.models import CorporateAction
from servicing.services.payments import batch_decided, lines_mark_paid, payment_run

from .conftest import treasury_fund
from .paying import recorded_action


def _decide(batch, **kwargs):
    with transaction.atomic():
        return batch_decided(batch_id=batch.pk, tx_hash="0x" + "ab" * 32, **kwargs)


def _paid():
    return {r.recipient_id: r.params for r in Notification.objects.filter(kind=Kind.PAYMENT_RECEIVED)}


def test_a_confirmed_batch_tells_each_holder_once(bond_held, cash_jpy, servicing_issuer, issuer_admin, cash_agent,
                                                   compliance_officer, holders):
    treasury_fund(servicing_issuer, "100000", admin=issuer_admin, agent=cash_agent)
    action = recorded_action(bond_held, approver=compliance_officer)
    holder_ids = set(action.lines.values_list("investor_id", flat=True))
    [batch] = payment_run(action=action)
    assert _paid() == {}                # submitted is not paid
    _decide(batch, confirmed=True)
    _decide(batch, confirmed=True)      # reported again: nothing new
    paid = _paid()
    assert set(paid) == holder_ids
    assert sorted(p["amount"] for p in paid.values()) == ["10,000 JPY", "20,000 JPY", "30,000 JPY"]
    assert {p["action"] for p in paid.values()} == {"Coupon"}


def test_lines_marked_paid_off_chain_tell_their_holders(bond_held, compliance_officer, issuer_admin):
    action = recorded_action(bond_held, approver=compliance_officer, method=CorporateAction.Method.OFFCHAIN)
    first = action.lines.order_by("id").first()
    first.investor.language = "ja"
    first.investor.save(update_fields=["language"])
    lines_mark_paid(action=action, reference="MIZUHO-0001", line_ids=[first.pk], actor=issuer_admin)
    assert _paid() == {first.investor_id: {"amount": f"{int(first.net):,} JPY", "action": "利払い",
                                           "security": bond_held.name}}
