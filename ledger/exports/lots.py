"""Lots replayed from the register, first in, first out.

The register keeps fungible positions (a balance per wallet); cap-table formats such as OCF
and JOCF keep lots (certificates): each issuance creates one, a transfer consumes the
transferor's oldest lots and creates a lot for the transferee (the resulting lot) and, when
a lot is only partly transferred, a new lot for what the transferor keeps (the balance lot).
Redemptions consume lots the same way. A holder is an investor (accounts.User); moves between
one investor's own wallets (including a wallet recovery) change no lot.

`lots_replay(security)` reads the security's TokenActions in id order and returns a
LotHistory: the ordered events and the lots still open at the end. Lot ids are stable for the
same register: f"{security.pk}-{action.pk}-{n}", n counting the lots one action creates.
Amounts are integer base units (Security.decimals says where the point goes); dates are
business dates (core.clock.business_date_of the action's time).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime

from core.clock import business_date_of
from issuance.models import Security

from ..models import TokenAction

K = TokenAction.Kind

#: Kinds that move units of a security between holders (or in and out of existence).
MOVING_KINDS = (K.ISSUE, K.TRANSFER, K.FORCED_TRANSFER, K.DVP_DELIVERY, K.REDEEM)


class LotReplayError(ValueError):
    """The action log asks to move more units than the holder's lots hold (a broken register)."""


@dataclass(frozen=True)
class Lot:
    lot_id: str
    holder: int            # investor (accounts.User) id
    units: int             # base units
    acquired: date         # business date of the action that created the lot
    action_id: int         # the TokenAction that created it


@dataclass(frozen=True)
class Issuance:
    lot_id: str
    holder: int
    units: int
    date: date
    action_id: int
    reason: str = ""


@dataclass(frozen=True)
class Transfer:
    """One source lot (wholly or partly) transferred; one TokenAction spanning several lots
    gives one Transfer per lot consumed, in FIFO order."""

    source_lot_id: str
    from_holder: int
    to_holder: int
    units: int
    resulting_lot_ids: tuple[str, ...]
    balance_lot_id: str | None
    date: date
    action_id: int
    forced: bool = False
    reason: str = ""
    kind: str = K.TRANSFER       # transfer, forced_transfer or dvp_delivery (a settled trade)


@dataclass(frozen=True)
class Redemption:
    """One source lot (wholly or partly) redeemed and cancelled by the issuer."""

    source_lot_id: str
    holder: int
    units: int
    balance_lot_id: str | None
    date: date
    action_id: int
    reason: str = ""


Event = Issuance | Transfer | Redemption


@dataclass
class LotHistory:
    security_id: int
    decimals: int
    events: list[Event] = field(default_factory=list)
    open_lots: list[Lot] = field(default_factory=list)
    #: Every lot ever created, by id (issued, resulting and balance lots), for cross-references.
    lots: dict[str, Lot] = field(default_factory=dict)
    #: When the latest action replayed was recorded (None: no action): what an export is "as at".
    last_action_at: datetime | None = None

    def holders(self) -> list[int]:
        """Every investor who ever held a lot, in order of first appearance."""
        seen: dict[int, None] = {}
        for lot in self.lots.values():
            seen.setdefault(lot.holder, None)
        return list(seen)

    def open_units(self) -> dict[int, int]:
        """Units per holder in the open lots (equals the register's positions per investor)."""
        totals: dict[int, int] = {}
        for lot in self.open_lots:
            totals[lot.holder] = totals.get(lot.holder, 0) + lot.units
        return totals


class _Replay:
    def __init__(self, security: Security) -> None:
        self.security = security
        self.history = LotHistory(security_id=security.pk, decimals=security.decimals)
        self.queues: dict[int, deque[Lot]] = {}
        self.order: list[str] = []          # lot ids in creation order, for a stable open-lot list
        self.open: dict[str, Lot] = {}

    def new_lot(self, action: TokenAction, n: int, holder: int, units: int, day: date) -> Lot:
        lot = Lot(lot_id=f"{self.security.pk}-{action.pk}-{n}", holder=holder, units=units, acquired=day,
                  action_id=action.pk)
        self.history.lots[lot.lot_id] = lot
        self.order.append(lot.lot_id)
        self.open[lot.lot_id] = lot
        return lot

    def take(self, action: TokenAction, holder: int, units: int, day: date, counter: list[int]):
        """Consume `units` of `holder`'s lots FIFO; yield (source lot, units taken, balance lot | None)."""
        queue = self.queues.get(holder)
        if not queue or sum(lot.units for lot in queue) < units:
            raise LotReplayError(
                f"action {action.pk} moves {units} units of security {self.security.pk} from holder {holder}, "
                f"whose lots hold {sum(lot.units for lot in queue or ())}")
        remaining = units
        while remaining:
            source = queue.popleft()
            del self.open[source.lot_id]
            taken = min(remaining, source.units)
            remaining -= taken
            balance = None
            if taken < source.units:
                counter[0] += 1
                balance = self.new_lot(action, counter[0], holder, source.units - taken, day)
                queue.appendleft(balance)       # the remainder keeps its place: first out next time
            yield source, taken, balance

    def give(self, action: TokenAction, holder: int, units: int, day: date, counter: list[int]) -> Lot:
        counter[0] += 1
        lot = self.new_lot(action, counter[0], holder, units, day)
        self.queues.setdefault(holder, deque()).append(lot)
        return lot

    def apply(self, action: TokenAction) -> None:
        units = int(action.amount)
        if not units or action.kind not in MOVING_KINDS:
            return
        self.history.last_action_at = action.created_at
        receiver_missing = action.kind != K.REDEEM and action.to_investor_id is None
        if receiver_missing or (action.kind != K.ISSUE and action.from_investor_id is None):
            raise LotReplayError(f"action {action.pk} ({action.kind}) of security {self.security.pk} names no investor")
        day = business_date_of(action.created_at)
        counter = [0]
        events = self.history.events
        if action.kind == K.ISSUE:
            lot = self.give(action, action.to_investor_id, units, day, counter)
            events.append(Issuance(lot_id=lot.lot_id, holder=lot.holder, units=units, date=day, action_id=action.pk,
                                   reason=action.reason))
        elif action.kind == K.REDEEM:
            for source, taken, balance in list(self.take(action, action.from_investor_id, units, day, counter)):
                events.append(Redemption(source_lot_id=source.lot_id, holder=source.holder, units=taken,
                                         balance_lot_id=balance.lot_id if balance else None, date=day,
                                         action_id=action.pk, reason=action.reason))
        elif action.from_investor_id != action.to_investor_id:
            for source, taken, balance in self.take(action, action.from_investor_id, units, day, counter):
                resulting = self.give(action, action.to_investor_id, taken, day, counter)
                events.append(Transfer(
                    source_lot_id=source.lot_id, from_holder=source.holder, to_holder=action.to_investor_id,
                    units=taken, resulting_lot_ids=(resulting.lot_id,),
                    balance_lot_id=balance.lot_id if balance else None, date=day, action_id=action.pk,
                    forced=action.kind == K.FORCED_TRANSFER, reason=action.reason, kind=action.kind))

    def finish(self) -> LotHistory:
        self.history.open_lots = [self.open[lot_id] for lot_id in self.order if lot_id in self.open]
        return self.history


def lots_replay(security: Security) -> LotHistory:
    """The security's lots, FIFO, from its whole action log (in id order)."""
    replay = _Replay(security)
    fields = ("id", "kind", "from_investor_id", "to_investor_id", "amount", "reason", "created_at")
    actions = TokenAction.objects.filter(security=security, kind__in=MOVING_KINDS).order_by("id").only(*fields)
    for action in actions.iterator(chunk_size=5000):
        replay.apply(action)
    return replay.finish()
