"""Helpers of the payment tests (test_payments, test_redemption, test_sweep, test_offchain): a
corporate action recorded by hand, with one line per holder, so these tests exercise the
payment run alone (the record close has its own tests)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from core.clock import business_today
from core.outbox import OutboxEntry
from ledger.models import ControlBook, Position
from servicing.models import CorporateAction, EntitlementLine, PaymentBatch

from .conftest import wallet_of


def recorded_action(security, *, approver, kind=CorporateAction.Kind.COUPON, method=CorporateAction.Method.CHAIN,
                    nets: dict | None = None, withheld: Decimal = Decimal("0"), payment_in_days: int = 0,
                    record_days_ago: int = 1, principal_per_unit: Decimal = Decimal("0"),
                    call_units=None, redeem: dict | None = None) -> CorporateAction:
    """An approved, recorded action of `security` paying on business_today() + payment_in_days,
    one line per holder of the register: `nets` {wallet: net} (default 1,000 per unit), each
    with `withheld` on top (gross = net + withheld); `redeem` {wallet: redeem_units}."""
    today = business_today()
    action = CorporateAction.objects.create(
        security=security, kind=kind, sequence=1 if kind == CorporateAction.Kind.COUPON else 0,
        status=CorporateAction.Status.RECORDED, method=method, currency=security.currency,
        declaration_date=today - timedelta(days=30), record_date=today - timedelta(days=record_days_ago),
        ex_date=today - timedelta(days=record_days_ago), payment_date=today + timedelta(days=payment_in_days),
        per_unit_amount=Decimal("1000"), principal_per_unit=principal_per_unit, call_units=call_units,
        approved_by=approver, approved_at=timezone.now(), recorded_at=timezone.now(), record_block=100)
    positions = Position.objects.filter(security=security, balance__gt=0).order_by("id")
    lines = []
    for position in positions:
        net = Decimal(nets[position.wallet]) if nets and position.wallet in nets else 1000 * position.balance
        principal = principal_per_unit * position.balance
        lines.append(EntitlementLine(
            action=action, investor_id=position.investor_id, wallet=position.wallet, units=position.balance,
            redeem_units=(redeem or {}).get(position.wallet, position.balance if action.redeems else 0),
            gross=net + withheld, withheld=withheld, net=net, principal=min(principal, net + withheld),
            tax_rate=Decimal("0"), residence="JP"))
    EntitlementLine.objects.bulk_create(lines)
    totals = {"gross_total": sum(line.gross for line in lines), "withheld_total": sum(line.withheld for line in lines),
              "net_total": sum(line.net for line in lines), "line_count": len(lines)}
    CorporateAction.objects.filter(pk=action.pk).update(**totals)
    action.refresh_from_db()
    return action


def cash_of(cash, user) -> Position | None:
    return Position.objects.filter(security=cash, wallet=wallet_of(user).address).first()


def balance(cash, wallet: str) -> tuple[int, int]:
    """(balance, held) of a wallet's cash position (0, 0 when it has none)."""
    found = Position.objects.filter(security=cash, wallet=wallet).values_list("balance", "held").first()
    return (int(found[0]), int(found[1])) if found else (0, 0)


def book_of(security) -> ControlBook:
    return ControlBook.objects.get(security=security)


def payload_of(batch: PaymentBatch) -> dict:
    return OutboxEntry.objects.get(pk=batch.outbox_id).payload
