"""The record close: the register's snapshot of the record date, checked against the chain
at the record block (a fake reader), turned into entitlement lines with withholding, or the
action blocked when the two differ."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone

from core.clock import business_date_shift, business_today
from core.models import AuditEvent
from issuance.models import Security
from ledger.models import CapTableSnapshot
from ledger.services import tokens_freeze, tokens_transfer
from ledger.snapshots import replay
from servicing.models import CorporateAction, EntitlementLine
from servicing.services import action_declare, actions_from_schedule, record_close

from .conftest import issue

pytestmark = pytest.mark.django_db
Status = CorporateAction.Status


def _past(day, operator):
    """Move the business date to the day after `day`, the register's snapshot of `day` kept
    first as the nightly sweep keeps it (ledger.snapshots). Moving the business date moves
    every recorded instant with it (the actions made in this test would fall after `day`), so
    the snapshot is taken before the move, from today's register, which is what the register
    holds until `day` ends when nothing else happens meanwhile."""
    for security_id in CorporateAction.objects.filter(record_date=day).values_list("security_id", flat=True):
        security = Security.objects.get(pk=security_id)
        CapTableSnapshot.objects.get_or_create(security=security, as_of=day, defaults={
            "positions": replay(security=security, as_of=business_today())})
    business_date_shift(days=(day - business_today()).days + 1, actor=operator)


def _first_coupon(bond):
    actions_from_schedule(security=bond)
    return CorporateAction.objects.get(security=bond, kind="coupon", sequence=1)


def _lines(action):
    return {line.wallet: line for line in EntitlementLine.objects.filter(action=action)}


def test_coupon_recorded_offchain_with_withholding(bond_held, holders, operator, fake_reader):
    coupon = _first_coupon(bond_held)
    assert record_close(action=coupon).status == Status.SCHEDULED     # the record date has not passed
    _past(coupon.record_date, operator)
    recorded = record_close(action=coupon)
    per_unit = coupon.per_unit_amount
    assert per_unit == (Decimal(2000) * (coupon.accrual_end - coupon.accrual_start).days / 365).quantize(
        Decimal(1), rounding=ROUND_HALF_UP)
    lines = _lines(coupon)
    jp, corp, us = (lines[w.address] for w in (holders.jp_wallet, holders.corp_wallet, holders.us_wallet))
    # JP individual: 10 units, 20.315% rounded down; JP corporation 15.315%; US resident 15.315% (non-resident)
    assert (jp.units, jp.gross, jp.withheld) == (10, per_unit * 10, int(per_unit * 10 * Decimal("0.20315")))
    assert (corp.gross, corp.withheld, corp.tax_category) == (
        per_unit * 20, int(per_unit * 20 * Decimal("0.15315")), "JP:JP/corporate/*")
    assert (us.gross, us.withheld, us.residence, us.tax_rate) == (
        per_unit * 30, int(per_unit * 30 * Decimal("0.15315")), "US", Decimal("15.315"))
    assert all(line.net == line.gross - line.withheld and line.principal == 0 for line in lines.values())
    assert (recorded.status, recorded.line_count, recorded.record_block) == (Status.RECORDED, 3, None)
    assert recorded.gross_total == per_unit * 60 == sum(x.gross for x in lines.values())
    assert recorded.net_total + recorded.withheld_total == recorded.gross_total
    assert recorded.recorded_at is not None and fake_reader.calls == []     # never deployed: no chain read
    assert AuditEvent.objects.filter(action="corporate_action.recorded", object_id=str(coupon.pk)).count() == 1
    # idempotent
    assert record_close(action=coupon).line_count == 3 and EntitlementLine.objects.count() == 3


def test_the_snapshot_of_the_record_date_counts_not_later_moves(bond_held, holders, operator, issuer_admin,
                                                                 fake_reader):
    coupon = _first_coupon(bond_held)
    tokens_freeze(security=bond_held, wallet=holders.jp_wallet.address, amount=4, reason="court order",
                  actor=issuer_admin)
    _past(coupon.record_date, operator)
    tokens_transfer(security=bond_held, from_wallet=holders.us_wallet.address, to_wallet=holders.jp_wallet.address,
                    amount=30, actor=issuer_admin)        # after the record date: the buyer bought ex coupon
    record_close(action=coupon)
    lines = _lines(coupon)
    assert lines[holders.jp_wallet.address].units == 10   # frozen units are still entitled
    assert lines[holders.us_wallet.address].units == 30


def _deployed(security):
    Security.objects.filter(pk=security.pk).update(deploy_requested_at=timezone.now())


def test_chain_agrees_at_the_record_block(bond_held, holders, operator, fake_reader):
    _deployed(bond_held)
    coupon = _first_coupon(bond_held)
    _past(coupon.record_date, operator)
    fake_reader.block = 4242
    recorded = record_close(action=coupon)
    assert (recorded.status, recorded.record_block, recorded.line_count) == (Status.RECORDED, 4242, 3)
    [(_, security_id, until)] = [c for c in fake_reader.calls if c[0] == "record_block"]
    assert security_id == bond_held.pk and until > timezone.now() - timezone.timedelta(days=400)
    [balances] = [c for c in fake_reader.calls if c[0] == "balances_at"]
    assert balances[2] == tuple(sorted(w.address for w in (holders.jp_wallet, holders.corp_wallet,
                                                             holders.us_wallet))) and balances[3] == 4242


def test_mirror_behind_changes_nothing(bond_held, operator, fake_reader):
    _deployed(bond_held)
    coupon = _first_coupon(bond_held)
    _past(coupon.record_date, operator)
    fake_reader.behind = True
    assert record_close(action=coupon).status == Status.SCHEDULED
    assert not EntitlementLine.objects.exists()


def test_a_difference_blocks_the_action_until_the_chain_agrees(bond_held, holders, operator, fake_reader):
    _deployed(bond_held)
    coupon = _first_coupon(bond_held)
    _past(coupon.record_date, operator)
    fake_reader.chain_balances = {holders.jp_wallet.address: 9}
    fake_reader.supply = 59
    blocked = record_close(action=coupon)
    assert blocked.status == Status.BLOCKED and not EntitlementLine.objects.exists()
    reason = json.loads(blocked.blocked_reason)
    assert reason == {"block": 100, "supply": {"register": 60, "chain": 59}, "wallets": 1,
                      "first": {holders.jp_wallet.address: {"register": 10, "chain": 9}}}
    assert AuditEvent.objects.filter(action="corporate_action.blocked", object_id=str(coupon.pk)).count() == 1
    record_close(action=coupon)           # same difference: no second event
    assert AuditEvent.objects.filter(action="corporate_action.blocked").count() == 1
    fake_reader.chain_balances, fake_reader.supply = {}, 61      # only the supply differs now
    assert json.loads(record_close(action=coupon).blocked_reason)["supply"] == {"register": 60, "chain": 61}
    fake_reader.supply = None
    recorded = record_close(action=coupon)
    assert (recorded.status, recorded.blocked_reason, recorded.line_count) == (Status.RECORDED, "", 3)


def test_dividend_total_split_by_largest_remainder(equity, holders, issuer_admin, operator, fake_reader):
    for wallet in (holders.jp_wallet, holders.corp_wallet, holders.us_wallet):
        issue(equity, wallet, 1, issuer_admin)
    today = business_today()
    action = action_declare(security=equity, kind="dividend", record_date=today, payment_date=today, ex_date=None,
                            total_amount="100", method="offchain", actor=issuer_admin)
    _past(today, operator)
    recorded = record_close(action=action)
    lines = [line for line in EntitlementLine.objects.filter(action=action).order_by("wallet")]
    assert sorted(line.gross for line in lines) == [33, 33, 34] and recorded.gross_total == 100
    jp = EntitlementLine.objects.get(action=action, investor=holders.jp)
    assert jp.withheld == (jp.gross * Decimal("0.20315")).to_integral_value(rounding="ROUND_DOWN")


def test_partial_call_redeems_pro_rata(bond_held, holders, issuer_admin, operator, fake_reader):
    today = business_today()
    call = action_declare(security=bond_held, kind="call", record_date=today, payment_date=today, ex_date=None,
                          per_unit_amount="100", call_units=31, call_price="101", method="offchain",
                          actor=issuer_admin)
    _past(today, operator)
    record_close(action=call)
    lines = _lines(call)
    # 31 over 10/20/30: 5.17, 10.33, 15.5 -> 5, 10, 15 and the one left to the largest remainder (15.5)
    assert [lines[w.address].redeem_units for w in (holders.jp_wallet, holders.corp_wallet, holders.us_wallet)] == [
        5, 10, 16]
    us = lines[holders.us_wallet.address]
    # principal 16 x 101,000; accrued coupon 16 x 100 = 1,600, taxed 15.315% = 245.04 -> 245
    assert (us.principal, us.gross, us.withheld, us.units) == (1_616_000, 1_617_600, 245, 30)


def test_a_call_of_more_units_than_held_at_record_blocks(bond_held, issuer_admin, operator, fake_reader):
    today = business_today()
    call = action_declare(security=bond_held, kind="call", record_date=today, payment_date=today, ex_date=None,
                          call_units=60, method="offchain", actor=issuer_admin)
    CorporateAction.objects.filter(pk=call.pk).update(call_units=61)     # as if units were redeemed meanwhile
    _past(today, operator)
    blocked = record_close(action=call)
    assert blocked.status == Status.BLOCKED and "more units called" in blocked.blocked_reason


def test_cancelled_actions_are_not_recorded(equity, issuer_admin, operator, fake_reader):
    from servicing.services import action_cancel

    today = business_today()
    action = action_declare(security=equity, kind="dividend", record_date=today, payment_date=today,
                            per_unit_amount="5", method="offchain", actor=issuer_admin)
    action_cancel(action=action, reason="withdrawn", actor=issuer_admin)
    _past(today, operator)
    assert record_close(action=action).status == Status.CANCELLED
    assert not EntitlementLine.objects.exists()


def test_array_literal_quotes_strings():
    from servicing.services.record import _array

    assert _array([1, 22]) == "{1,22}"
    assert _array(["JP:*/*/*", "", 'a"b\\c']) == '{"JP:*/*/*","","a\\"b\\\\c"}'
