"""The paying agent's events for the world outside (core.events, webhooks): `payment_run.paid`
when money of a corporate action reached its holders, in the deciding transaction:

- on chain, a cash batch the chain confirmed (payments.batch_decided): key
  "payment_run.paid:<action id>:batch:<batch id>", `batch` its id, `total` its cash;
- off chain, lines marked paid with the bank's reference (payments.lines_mark_paid): key
  "payment_run.paid:<action id>:lines:<first line id>" (a line is paid once, so the first line of
  the marking names it), `batch` null, `total` the lines' net.

A redemption's burn batches pay nobody and emit nothing. organization_id is the security's
issuer's organization; data is ids, a line count and the total as a string with its currency."""

from __future__ import annotations

from core.events import EventType, event_emit
from core.money import from_base_units
from issuance.events import money_data

from .models import CorporateAction, PaymentBatch


def _emit(action: CorporateAction, *, key: str, batch_id: int | None, lines: int, total: dict) -> None:
    event_emit(type=EventType.PAYMENT_RUN_PAID, key=f"payment_run.paid:{action.pk}:{key}",
               organization_id=action.security.issuer.organization_id,
               data={"corporate_action": action.pk, "batch": batch_id, "security": action.security_id,
                     "lines": lines, "total": total})


def batch_paid(action: CorporateAction, batch: PaymentBatch, *, cash) -> None:
    """A confirmed cash batch; `cash`: its cash token (a Security: decimals and currency)."""
    _emit(action, key=f"batch:{batch.pk}", batch_id=batch.pk, lines=int(batch.line_count),
          total=money_data(from_base_units(int(batch.total), cash.decimals), cash.currency))


def lines_paid(action: CorporateAction, *, line_ids: list[int], net_total) -> None:
    """Lines of an off-chain action marked paid; `net_total` their net (a Decimal in action.currency)."""
    _emit(action, key=f"lines:{min(line_ids)}", batch_id=None, lines=len(line_ids),
          total=money_data(net_total, action.currency))
