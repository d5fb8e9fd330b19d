"""As-of cap tables: replayed from the action log and kept as snapshots for past days."""

from __future__ import annotations

import datetime as dt

import pytest

from core.clock import business_today
from ledger.captable_selectors import cap_table
from ledger.models import CapTableSnapshot
from ledger.services import tokens_freeze, tokens_issue
from ledger.snapshots import replay, snapshot_sweep, snapshot_take
from ledger.tasks import snapshot_sweep_task


def test_replay_of_today_matches_the_register(bond, issuer_admin, compliance_officer, investor_wallet,
                                              verified_investor):
    tokens_issue(security=bond, wallet=investor_wallet, amount=9, actor=issuer_admin, reason="")
    tokens_freeze(security=bond, wallet=investor_wallet.address, amount=2, reason="dispute", actor=compliance_officer)
    assert replay(security=bond, as_of=business_today()) == {investor_wallet.address: [verified_investor.pk, 9, 2]}


def test_a_past_day_is_snapshotted_once_and_read_back(bond, issuer_admin, investor_wallet):
    tokens_issue(security=bond, wallet=investor_wallet, amount=9, actor=issuer_admin, reason="")
    yesterday = business_today() - dt.timedelta(days=1)
    assert cap_table(security=bond, as_of=yesterday) == []  # everything happened today
    assert CapTableSnapshot.objects.filter(security=bond, as_of=yesterday).count() == 1
    assert snapshot_take(security=bond, as_of=yesterday).positions == {}
    assert CapTableSnapshot.objects.count() == 1
    assert [r.balance for r in cap_table(security=bond)] == [9]


def test_the_nightly_sweep_snapshots_every_security_with_a_book(bond, issuer_admin, investor_wallet):
    tokens_issue(security=bond, wallet=investor_wallet, amount=1, actor=issuer_admin, reason="")
    assert snapshot_sweep_task.run() == 1
    assert snapshot_sweep() == 1 and CapTableSnapshot.objects.count() == 1


def test_today_cannot_be_snapshotted(bond):
    with pytest.raises(ValueError):
        snapshot_take(security=bond, as_of=business_today())
