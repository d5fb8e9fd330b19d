"""Redemption at maturity and early calls: transfers stop from the record date, the cash
(principal and the last coupon) is paid like any line (payments.py), then the redeemed units
are burned in batches and the bond matures.

- Transfers stop: the register refuses transfers, board offers and settlements of a bond with a
  redemption or call whose record date has come and which is not paid or cancelled
  (transfers_stopped, reached by ledger.services.validation.redeeming_refuse through
  settings.REGISTER_TRANSFER_STOP); once the record is closed the sweep also pauses the token
  in the register and on chain with the existing pause control (ledger's pause_write, as the
  system), so nothing moves on chain either.
- Burns: when every cash line is paid, the lines' units go out in `redemption.burn` batches
  (settings.SERVICING_BATCH_SIZE lines each; key "burn:<action id>:<number>"). The units are
  NOT held meanwhile: the security is paused, so no use case can move them, and a hold would
  break held <= balance - frozen for a holder with frozen units (a maturity burns those too).
  On confirmation (burn_decided, in the chain's transaction) each line's units leave its
  position (frozen units first unfrozen, as the contract does), the control book counts them
  redeemed, one REDEEM action per line shares the batch's outbox entry; a failed batch leaves
  the lines for the next run (after settings.SERVICING_RETRY_SECONDS).
- The end (payments.action_finish -> redemption_finished): a maturity or a full call marks the
  security matured (matured_on = the business date); a partial call burns only each holder's
  redeem_units, does not mature the bond, and lifts the pause the paying agent set.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import audit_record
from core.clock import business_today
from core.db import insert_rows
from core.errors import ConflictError
from core.lifecycle import transition_many
from core.outbox import outbox_put
from core.outbox_payloads import RedemptionBurn, payload_from_json
from issuance.models import Security
from ledger.models import TokenAction
from ledger.services.controls import pause_write
from ledger.services.locks import book_lock, positions_lock, register_save

from ..models import CorporateAction, EntitlementLine, PaymentBatch
from . import payments

S = CorporateAction.Status
#: Statuses of a redemption that keep its bond's transfers stopped (from the record date on).
STOPPING = (S.SCHEDULED, S.BLOCKED, S.RECORDED, S.PAYING)


def transfers_stopped(*, security_id: int) -> bool:
    """Whether the bond's transfers are stopped for a redemption or call: one whose record
    date has come (business date) and that is neither paid nor cancelled."""
    return CorporateAction.objects.filter(security_id=security_id, kind__in=CorporateAction.REDEEMING,
                                          status__in=STOPPING, record_date__lte=business_today()).exists()


def _cause(action: CorporateAction) -> str:
    return f"corporate_action:{action.pk}"


def full_redemption(action: CorporateAction) -> bool:
    """A maturity, or a call of every unit: the bond is gone afterwards."""
    return action.kind == CorporateAction.Kind.REDEMPTION or (
        action.kind == CorporateAction.Kind.CALL and action.call_units is None)


def burn_units(action: CorporateAction, line: EntitlementLine) -> int:
    """The units a line burns: its redeem_units; for a full redemption written without them,
    every unit held at record."""
    if int(line.redeem_units) > 0:
        return int(line.redeem_units)
    return int(line.units) if full_redemption(action) else 0


@transaction.atomic(durable=True)
def redemption_pause(*, action: CorporateAction) -> TokenAction | None:
    """Pause the redeemed bond (register and chain) once its record is closed: the system's
    PAUSE action with cause "corporate_action:<id>". Idempotent: None when this action paused
    it already, when the bond is paused already (the issuer's pause; then it is not lifted by
    the paying agent either), or when the action is not recorded yet or is finished."""
    action = CorporateAction.objects.select_for_update(of=("self",)).select_related("security").get(pk=action.pk)
    if not action.redeems or action.status not in payments.PAYABLE:
        return None
    security = action.security
    if security.deploy_requested_at is None:
        return None   # never on chain: the register's own refusal (transfers_stopped) is the stop
    if TokenAction.objects.filter(security=security, kind=TokenAction.Kind.PAUSE, cause=_cause(action)).exists():
        return None
    paused = pause_write(security=security, pause=True, actor=None, cause=_cause(action),
                         reason=_("Redemption: transfers stop from the record date (%(day)s).")
                         % {"day": action.record_date})
    audit_record(action="corporate_action.transfers_stopped", obj=action,
                 new={"security": security.pk, "paused": paused is not None})
    return paused


def burns_done(action: CorporateAction) -> bool:
    return not action.lines.filter(burned=False).exists()


def burn_run(*, action: CorporateAction, actor: User | None = None) -> list[PaymentBatch]:
    """The burn batches of a redemption or call whose every cash line is paid (on chain or by
    bank transfer); [] when not yet (or nothing left to burn). Finishes the action when the
    last line needs no burn."""
    batches = []
    while (batch := _burn_submit(action_id=action.pk, actor=actor)) is not None:
        batches.append(batch)
    return batches


def _burnable(action: CorporateAction):
    """Lines still to burn and not in a burn batch that may still burn them."""
    in_flight = Q(burn_batch__status__in=[PaymentBatch.Status.SUBMITTED, PaymentBatch.Status.PAID])
    return action.lines.filter(burned=False).exclude(in_flight).order_by("id")


@transaction.atomic(durable=True)
def _burn_submit(*, action_id: int, actor: User | None) -> PaymentBatch | None:
    action = CorporateAction.objects.select_for_update(of=("self",)).select_related("security").get(pk=action_id)
    if not action.redeems or payments.payment_refusal(action, method=None) is not None:
        return None
    if payments.lines_open(action) or payments.waiting_after_failure(action, PaymentBatch.Kind.BURN):
        return None
    if not full_redemption(action):   # a partial call: holders called for nothing burn nothing
        EntitlementLine.objects.filter(action=action, burned=False, redeem_units=0).update(burned=True)
    lines = list(_burnable(action)[:payments.batch_size()])
    if not lines:
        payments.action_finish(action, actor=actor)
        return None
    amounts = [burn_units(action, line) for line in lines]
    number, batch_id = payments.next_number(action), payments.next_batch_id()
    payload = RedemptionBurn(security_id=action.security_id, batch_id=batch_id,
                             wallets=tuple(line.wallet for line in lines), amounts=tuple(amounts))
    entry = outbox_put(payload, idempotency_key=f"burn:{action.pk}:{number}")
    batch = PaymentBatch.objects.create(id=batch_id, action=action, number=number, kind=PaymentBatch.Kind.BURN,
                                        outbox=entry, total=sum(amounts), line_count=len(lines))
    EntitlementLine.objects.filter(pk__in=[line.pk for line in lines]).update(burn_batch=batch)
    audit_record(action="paymentbatch.submitted", actor=actor, obj=batch,
                 new={"action": action.pk, "number": number, "kind": batch.kind, "lines": len(lines),
                      "total": str(sum(amounts)), "security": action.security_id})
    return batch


def burn_decided(*, action: CorporateAction, batch: PaymentBatch, confirmed: bool, tx_hash: str,
                 reason: str) -> PaymentBatch:
    """The chain's verdict on a burn batch (payments.batch_decided, the action and the batch
    locked, inside the chain's transaction). See the module docstring."""
    now = timezone.now()
    if not confirmed:
        failure = (reason or "failed")[:500]
        transition_many([batch], to=PaymentBatch.Status.FAILED, actor=None, reason=failure,
                   also={"decided_at": now, "failure": failure})
        return batch
    payload = payload_from_json(batch.outbox.kind, batch.outbox.payload)
    amounts = dict(zip(payload.wallets, payload.amounts, strict=True))
    security = Security.objects.get(pk=payload.security_id)
    lines = list(EntitlementLine.objects.filter(burn_batch=batch, burned=False).order_by("id"))
    book = book_lock(security)
    positions = positions_lock(security, [(line.wallet, None) for line in lines], book_exclusive=True)
    total = 0
    for line in lines:
        position = positions.get(line.wallet)
        amount = amounts[line.wallet]
        if position is None or int(position.balance) < amount:
            # The chain burned what the register does not hold: refused (the chain's outcome hook
            # keeps its verdict and records chain.batch_outcome_refused; the reconciler shows the
            # difference as a break) instead of wedging the confirmer.
            raise ConflictError(f"burn batch {batch.pk}: the register holds less than the chain burned in "
                                f"{line.wallet}", code="register_mismatch")
        position.balance = int(position.balance) - amount
        position.frozen = min(int(position.frozen), int(position.balance))   # frozen units burn too
        total += amount
    book.redeemed = int(book.redeemed) + total
    book.outstanding = int(book.outstanding) - total
    register_save(book, positions.values())
    insert_rows([
        TokenAction(kind=TokenAction.Kind.REDEEM, security=security, from_investor_id=line.investor_id,
                    from_wallet=line.wallet, amount=amounts[line.wallet], outbox=batch.outbox,
                    origin=TokenAction.Origin.PLATFORM, idempotency_key=f"burn:{batch.pk}:{line.pk}",
                    cause=_cause(action), reason=_("Redemption of corporate action %(action)s") % {"action": action.pk})
        for line in lines])
    EntitlementLine.objects.filter(pk__in=[line.pk for line in lines]).update(burned=True)
    transition_many([batch], to=PaymentBatch.Status.PAID, actor=None, reason=tx_hash or "", also={"decided_at": now})
    payments.action_finish(action)
    return batch


def redemption_finished(action: CorporateAction) -> None:
    """Inside the transaction that marked the redemption or call PAID: a maturity or full call
    matures the security; a partial call lifts the paying agent's own pause."""
    security = action.security
    if full_redemption(action):
        today = business_today()
        Security.objects.filter(pk=security.pk).update(matured_on=today)
        security.matured_on = today
        audit_record(action="security.matured", obj=security,
                     new={"matured_on": today.isoformat(), "corporate_action": action.pk})
        return
    if TokenAction.objects.filter(security=security, kind=TokenAction.Kind.PAUSE, cause=_cause(action)).exists():
        pause_write(security=security, pause=False, actor=None, cause=_cause(action),
                    reason=_("Partial call paid and burned: transfers resume."))
