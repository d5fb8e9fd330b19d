"""Rows for the investor income tests: corporate actions and entitlement lines written as the
record close and the payment run leave them (lines are written once: status and amounts
are given at insert)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from servicing.models import CorporateAction, EntitlementLine


def action(security, *, payment_date: dt.date, kind: str = CorporateAction.Kind.COUPON,
           status: str = CorporateAction.Status.PAID, per_unit: str = "1000", sequence: int | None = None,
           **extra) -> CorporateAction:
    """An action of `security` paying on `payment_date` (record date the day before)."""
    if sequence is None:
        sequence = (CorporateAction.objects.filter(security=security, kind=kind).count() + 1
                    if kind == CorporateAction.Kind.COUPON else 0)
    record = payment_date - dt.timedelta(days=1)
    return CorporateAction.objects.create(
        security=security, kind=kind, sequence=sequence, status=status, currency=security.currency,
        declaration_date=record - dt.timedelta(days=30), record_date=record, ex_date=record,
        payment_date=payment_date, per_unit_amount=Decimal(per_unit), **extra)


def line(act: CorporateAction, investor, wallet, *, gross: str, withheld: str = "0", principal: str = "0",
         units: int = 10, status: str = EntitlementLine.Status.PAID, rate: str = "20.315",
         reference: str = "0xabc") -> EntitlementLine:
    gross_d, withheld_d = Decimal(gross), Decimal(withheld)
    paid = status == EntitlementLine.Status.PAID
    return EntitlementLine.objects.create(
        action=act, investor=investor, wallet=str(wallet), units=units, gross=gross_d, withheld=withheld_d,
        net=gross_d - withheld_d, principal=Decimal(principal), tax_rate=Decimal(rate),
        tax_category="JP:JP/individual/interest", residence="JP", status=status,
        paid_reference=reference if paid else "", paid_at=timezone.now() if paid else None)
