"""A corporate action blocked at its record close (the chain at the record block disagrees
with the register's snapshot) is one open ``record_mismatch`` break on the break desk, however
often the reconciler runs; the register's invariants accept the payment actions of a batch
sharing the batch's outbox row."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from chain.models import Break
from chain.reconciler import reconcile_run, record_mismatches
from issuance.tests.factories import SecurityFactory
from servicing.models import CorporateAction


class _NoChain:
    """A backend for a chain with no token deployed yet."""

    address = "0x" + "11" * 20

    def chain_id(self) -> int:
        return 31337

    def block_number(self) -> int:
        return 0


def _blocked(**extra) -> CorporateAction:
    return CorporateAction.objects.create(
        security=SecurityFactory(), kind=CorporateAction.Kind.COUPON, sequence=1, currency="JPY",
        declaration_date=date(2030, 1, 1), record_date=date(2030, 3, 30), ex_date=date(2030, 3, 30),
        payment_date=date(2030, 3, 31), status=CorporateAction.Status.BLOCKED,
        blocked_reason="0xAbc: register 100, chain 90 at block 41", record_block=41, **extra)


def test_a_blocked_action_is_one_open_break_however_often_the_reconciler_runs(db, login_verified, operator):
    action = _blocked()
    CorporateAction.objects.create(
        security=action.security, kind=CorporateAction.Kind.COUPON, sequence=2, currency="JPY",
        declaration_date=date(2030, 1, 1), record_date=date(2030, 6, 29), ex_date=date(2030, 6, 29),
        payment_date=date(2030, 6, 30))   # scheduled: nothing to report

    run = reconcile_run(backend=_NoChain(), index_first=False)
    assert record_mismatches() == (1, 0)

    [brk] = Break.objects.all()
    assert (brk.kind, brk.security, brk.status) == ("record_mismatch", action.security, "open")
    assert brk.register_value == f"corporate action {action.pk}: coupon paying 2030-03-31"
    assert brk.chain_value == "blocked at record block 41" and brk.detail == action.blocked_reason
    assert (run.breaks_found, run.breaks_new) == (1, 1)
    page = login_verified(operator).get(reverse("chain:breaks"))
    assert page.status_code == 200 and action.blocked_reason in page.content.decode()


def test_an_action_blocked_without_a_reason_or_no_longer_blocked_opens_nothing(db):
    action = _blocked()
    CorporateAction.objects.filter(pk=action.pk).update(blocked_reason="")
    assert record_mismatches() == (0, 0)
    CorporateAction.objects.filter(pk=action.pk).update(status=CorporateAction.Status.RECORDED,
                                                        blocked_reason="was blocked")
    assert record_mismatches() == (0, 0) and not Break.objects.exists()
