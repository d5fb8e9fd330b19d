"""Lots replayed FIFO from the register (ledger.exports.lots), on a register built through the
real services: the transfer spanning two lots, the balance lots, the forced transfer, the
redemption, and the move between one investor's own wallets that changes no lot."""

from __future__ import annotations

import pytest

from ledger.exports.lots import Issuance, LotReplayError, Redemption, Transfer, lots_replay
from ledger.models import Position, TokenAction

from . import ocf_register

register = ocf_register.register   # the export tests' fixture


def _action_ids(security, kind):
    return list(TokenAction.objects.filter(security=security, kind=kind).order_by("id").values_list("id", flat=True))


def test_lots_follow_the_register_first_in_first_out(register):
    security, alice, bob, carol = register.security, register.alice, register.bob, register.carol
    history = lots_replay(security)
    s = security.pk
    i1, i2, i3 = _action_ids(security, "issue")
    (transfer, _own) = _action_ids(security, "transfer")
    (forced,) = _action_ids(security, "forced_transfer")
    (redeem,) = _action_ids(security, "redeem")
    day = TokenAction.objects.get(pk=i1).created_at
    kinds = [type(e).__name__ for e in history.events]
    assert kinds == ["Issuance", "Issuance", "Issuance", "Transfer", "Transfer", "Transfer", "Redemption"]
    issued = history.events[:3]
    assert issued == [
        Issuance(lot_id=f"{s}-{i1}-1", holder=alice.pk, units=100, date=issued[0].date, action_id=i1,
                 reason="Seed round"),
        Issuance(lot_id=f"{s}-{i2}-1", holder=alice.pk, units=50, date=issued[0].date, action_id=i2,
                 reason="Series A"),
        Issuance(lot_id=f"{s}-{i3}-1", holder=bob.pk, units=30, date=issued[0].date, action_id=i3,
                 reason="Series A"),
    ]
    assert day is not None
    whole, partial, court = history.events[3:6]
    # 120 units: the whole first lot (no balance), then 20 of the second (30 stay with alice as a balance lot)
    assert (whole.source_lot_id, whole.units, whole.balance_lot_id, whole.to_holder) == (f"{s}-{i1}-1", 100, None,
                                                                                          bob.pk)
    assert whole.resulting_lot_ids == (f"{s}-{transfer}-1",)
    assert (partial.source_lot_id, partial.units) == (f"{s}-{i2}-1", 20)
    assert partial.balance_lot_id == f"{s}-{transfer}-2" and partial.resulting_lot_ids == (f"{s}-{transfer}-3",)
    assert history.lots[partial.balance_lot_id].units == 30 and history.lots[partial.balance_lot_id].holder == alice.pk
    assert not whole.forced and whole.reason == "Secondary sale"
    # bob's oldest lot is his own issuance of 30: the forced transfer takes 10 of it
    assert isinstance(court, Transfer) and court.forced and court.reason == "Court order 2026-123"
    assert (court.source_lot_id, court.units, court.from_holder, court.to_holder) == (f"{s}-{i3}-1", 10, bob.pk,
                                                                                      carol.pk)
    assert court.balance_lot_id == f"{s}-{forced}-1" and court.resulting_lot_ids == (f"{s}-{forced}-2",)
    (redemption,) = history.events[6:]
    assert redemption == Redemption(source_lot_id=partial.balance_lot_id, holder=alice.pk, units=5,
                                    balance_lot_id=f"{s}-{redeem}-1", date=redemption.date, action_id=redeem,
                                    reason="Buy-back")
    assert history.last_action_at == TokenAction.objects.get(pk=redeem).created_at


def test_open_lots_equal_the_positions_per_investor(register):
    history = lots_replay(register.security)
    positions: dict[int, int] = {}
    for investor, balance in Position.objects.filter(security=register.security).values_list("investor", "balance"):
        positions[investor] = positions.get(investor, 0) + int(balance)
    assert history.open_units() == {k: v for k, v in positions.items() if v}
    assert history.open_units() == {register.alice.pk: 25, register.bob.pk: 140, register.carol.pk: 10}
    assert all(lot.lot_id in history.lots for lot in history.open_lots)
    assert history.holders() == [register.alice.pk, register.bob.pk, register.carol.pk]


def test_the_same_register_gives_the_same_lots(register):
    assert lots_replay(register.security) == lots_replay(register.security)


def test_a_broken_log_is_refused_not_guessed(register, issuer_admin):
    from core.models import OutboxEntry

    outbox = OutboxEntry.objects.filter(token_actions__security=register.security).first()
    TokenAction.objects.create(kind=TokenAction.Kind.REDEEM, security=register.security,
                               from_investor=register.carol, amount=11, outbox=outbox, idempotency_key="broken")
    with pytest.raises(LotReplayError):
        lots_replay(register.security)
