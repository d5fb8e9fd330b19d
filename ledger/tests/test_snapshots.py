"""As-of cap tables: replayed from the action log and kept as snapshots for past days."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from unittest import mock

import pytest
from django.utils import timezone

from core.clock import business_today
from ledger.captable_selectors import CapTableInputError, cap_table, cap_table_page
from ledger.models import CapTableSnapshot
from ledger.services import tokens_freeze, tokens_issue, tokens_transfer
from ledger.snapshots import replay, snapshot_sweep, snapshot_take
from ledger.tasks import snapshot_sweep_task

from .conftest import wallet_of


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


@contextmanager
def _days_ago(days: int):
    """Actions recorded `days` days before now (their created_at; the business date follows)."""
    past = timezone.now() - dt.timedelta(days=days)
    with mock.patch("django.utils.timezone.now", return_value=past):
        yield


def _table(rows) -> dict:
    return {r.investor_id: (r.balance, r.frozen, r.wallets) for r in rows}


def test_an_as_of_cap_table_is_the_register_at_the_end_of_that_day(bond, issuer_admin, compliance_officer,
                                                                    investor_wallet, second_investor):
    other = wallet_of(second_investor)
    with _days_ago(3):
        tokens_issue(security=bond, wallet=investor_wallet, amount=10, actor=issuer_admin, reason="")
        tokens_issue(security=bond, wallet=other, amount=5, actor=issuer_admin, reason="")
        tokens_freeze(security=bond, wallet=investor_wallet.address, amount=2, reason="dispute",
                      actor=compliance_officer)
    then = _table(cap_table(security=bond))
    tokens_transfer(security=bond, from_wallet=investor_wallet.address, to_wallet=other.address, amount=4,
                    reason="", actor=issuer_admin)
    tokens_issue(security=bond, wallet=other, amount=7, actor=issuer_admin, reason="")
    assert _table(cap_table(security=bond)) != then
    day = business_today() - dt.timedelta(days=2)     # replayed: the log has actions after that day
    assert _table(cap_table(security=bond, as_of=day)) == then
    page = cap_table_page(security=bond, as_of=day, limit=1)
    assert (page.totals.holders, page.totals.outstanding, page.totals.frozen) == (2, 15, 2)
    second = cap_table_page(security=bond, as_of=day, limit=1, cursor=page.next)
    assert [r.balance for r in page.rows + second.rows] == [10, 5] and second.next is None
    found = cap_table_page(security=bond, as_of=day, search=other.address[:8].upper().replace("0X", "0x"))
    assert [r.investor_id for r in found.rows] == [second_investor.pk]
    with pytest.raises(CapTableInputError):     # a cursor of another day
        cap_table_page(security=bond, limit=1, cursor=page.next)


def test_a_quiet_day_is_copied_from_the_register_in_one_statement(bond, issuer_admin, investor_wallet):
    with _days_ago(3):
        tokens_issue(security=bond, wallet=investor_wallet, amount=8, actor=issuer_admin, reason="")
    yesterday = business_today() - dt.timedelta(days=1)
    with mock.patch("ledger.snapshots.replay", side_effect=AssertionError("no replay needed")):
        snapshot = snapshot_take(security=bond, as_of=yesterday)
    assert snapshot.bulk and (snapshot.holders, snapshot.outstanding) == (1, 8)
    assert _table(cap_table(security=bond, as_of=yesterday)) == _table(cap_table(security=bond))


def test_a_snapshot_kept_as_json_is_read_as_rows(bond, verified_investor, investor_wallet):
    yesterday = business_today() - dt.timedelta(days=1)
    CapTableSnapshot.objects.create(security=bond, as_of=yesterday,
                                    positions={investor_wallet.address: [verified_investor.pk, 5, 1]})
    assert _table(cap_table(security=bond, as_of=yesterday)) == {
        verified_investor.pk: (5, 1, [investor_wallet.address])}
    assert CapTableSnapshot.objects.get(security=bond, as_of=yesterday).bulk
