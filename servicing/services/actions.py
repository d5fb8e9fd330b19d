"""Corporate actions: created from a bond's schedule (coupons, the redemption at maturity) or
declared by the issuer's admin (dividends on shares, distributions on fund units, early calls
of bonds), approved by a second person (four eyes), cancelled before they are recorded.

Every write leaves an audit event `corporate_action.<what>` in its transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.policy import Action, policy_ensure
from core.audit import audit_record, audit_record_many
from core.clock import business_today
from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from core.money import MINOR_UNITS
from issuance.models import Security
from ledger.models import ControlBook

from ..models import CorporateAction

Kind, Status, Method = CorporateAction.Kind, CorporateAction.Status, CorporateAction.Method

#: The kinds an issuer declares, and the instrument each is for.
DECLARED = {Kind.DIVIDEND: Security.Kind.EQUITY, Kind.DISTRIBUTION: Security.Kind.FUND, Kind.CALL: Security.Kind.BOND}
MAX_AMOUNT = Decimal("1000000000000")


def _refuse(message: str, code: str, field: str | None = None) -> ApplicationError:
    return ApplicationError(message, code=code, fields={field: [message]} if field else None)


def chain_method_available(security: Security) -> bool:
    """Whether the action can be paid on chain: the security's token was deployed and its
    currency has a cash token (the trust bank's)."""
    from cash.models import TrustAccount

    return security.deploy_requested_at is not None and TrustAccount.objects.filter(
        currency=security.currency).exists()


def action_move(action: CorporateAction, *, to: str, actor: User | None, new: dict | None = None,
                also: dict | None = None) -> CorporateAction:
    """Move `action` to status `to` (CorporateAction.TRANSITIONS), guarded by its current
    status, setting `also` in the same UPDATE; audit `corporate_action.<to>` with `new`."""
    current = action.status
    if to not in CorporateAction.TRANSITIONS.get(current, set()):
        raise ConflictError(_("This corporate action cannot go from %(old)s to %(new)s.") % {"old": current, "new": to},
                            code="invalid_transition")
    updated = CorporateAction.objects.filter(pk=action.pk, status=current).update(status=to, **(also or {}))
    if updated != 1:
        raise ConflictError(_("This corporate action was changed by someone else; reload and try again."),
                            code="stale_object")
    action.status = to
    for name, value in (also or {}).items():
        setattr(action, name, value)
    audit_record(action=f"corporate_action.{to}", actor=actor, obj=action, old={"status": current},
                 new={"status": to, **(new or {})})
    return action


# -- from the schedule ----------------------------------------------------------------------

def _scheduled_for(security: Security) -> bool:
    if security.kind != Security.Kind.BOND or security.matured_on is not None:
        return False
    issued = ControlBook.objects.filter(security=security, issued__gt=0).exists()
    return issued or security.deploy_requested_at is not None


def actions_from_schedule(*, security: Security) -> int:
    """Create the coupons and the redemption of a bond from its schedule (issuance.schedule),
    once: idempotent, returns how many actions it created. Only for a bond that was issued or
    deployed and has not matured. The last coupon, when paid on the maturity payment date, is
    paid by the redemption (its per-unit amount), not as a coupon of its own. Declared on the
    bond's issue date; the method follows the security (chain when its token is deployed and
    its currency has a cash token). A bond whose terms give no schedule raises ScheduleError."""
    from issuance.schedule import bond_redemption, bond_schedule

    security = Security.objects.select_related("issuer").get(pk=security.pk)
    if not _scheduled_for(security):
        return 0
    periods = bond_schedule(security)
    redemption = bond_redemption(security)
    last = periods[-1] if periods and periods[-1].payment_date == redemption.payment_date else None
    coupons = periods[:-1] if last is not None else periods
    method = Method.CHAIN if chain_method_available(security) else Method.OFFCHAIN
    common = {"security": security, "currency": security.currency, "method": method,
              "declaration_date": security.issue_date}
    with transaction.atomic(durable=True):
        # one creator at a time; NO KEY: the register's inserts that reference the security
        # (their foreign-key KEY SHARE locks) must not wait on it (a deadlock under the audit lock)
        Security.objects.select_for_update(no_key=True).filter(pk=security.pk).first()
        have = set(CorporateAction.objects.filter(security=security, kind=Kind.COUPON)
                   .values_list("sequence", flat=True))
        made = [CorporateAction(kind=Kind.COUPON, sequence=p.number, record_date=p.record_date, ex_date=p.ex_date,
                                payment_date=p.payment_date, accrual_start=p.accrual_start, accrual_end=p.accrual_end,
                                fraction_numerator=p.fraction.numerator, fraction_denominator=p.fraction.denominator,
                                rate=security.coupon_rate, per_unit_amount=p.per_unit, **common)
                for p in coupons if p.number not in have]
        if not CorporateAction.objects.filter(security=security, kind=Kind.REDEMPTION).exists():
            fraction = last.fraction if last is not None else Fraction(0)
            made.append(CorporateAction(
                kind=Kind.REDEMPTION, record_date=redemption.record_date, ex_date=redemption.ex_date,
                payment_date=redemption.payment_date, principal_per_unit=redemption.principal_per_unit,
                per_unit_amount=last.per_unit if last is not None else Decimal(0),
                accrual_start=last.accrual_start if last is not None else None,
                accrual_end=last.accrual_end if last is not None else None,
                fraction_numerator=fraction.numerator if last is not None else None,
                fraction_denominator=fraction.denominator if last is not None else None,
                rate=security.coupon_rate if last is not None else None, **common))
        created = CorporateAction.objects.bulk_create(made)
        audit_record_many([{"action": "corporate_action.scheduled", "obj": a,
                            "new": {"kind": a.kind, "sequence": a.sequence, "record_date": a.record_date,
                                    "payment_date": a.payment_date, "per_unit_amount": a.per_unit_amount,
                                    "principal_per_unit": a.principal_per_unit, "method": a.method}}
                           for a in created])
    return len(created)


# -- declared by the issuer -----------------------------------------------------------------

def _date(value: object, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise _refuse(_("Enter a date as YYYY-MM-DD."), "invalid_date", field) from None


def _amount(value: object, field: str, *, places: int) -> Decimal | None:
    """A positive Decimal with at most `places` decimals, or None when not given."""
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise _refuse(_("Enter a number."), "invalid_amount", field)
    if amount <= 0 or amount > MAX_AMOUNT:
        raise _refuse(_("Enter an amount greater than zero."), "amount_not_positive", field)
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        raise _refuse(_("Enter an amount with at most %(places)s decimal places.") % {"places": places},
                      "invalid_amount", field)
    return amount


def _units(value: object, field: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value():
        raise _refuse(_("Enter a whole number of units."), "invalid_units", field)
    if number <= 0:
        raise _refuse(_("Enter a number of units greater than zero."), "amount_not_positive", field)
    return int(number)


def _check_call(security: Security, *, payment_date: dt.date, call_units: int | None) -> None:
    if security.matured_on is not None or (security.maturity_date and payment_date >= security.maturity_date):
        raise ConflictError(_("This bond has matured (or matures before this payment date)."),
                            code="security_matured")
    live = CorporateAction.objects.filter(security=security, kind=Kind.CALL).exclude(status=Status.CANCELLED)
    if live.filter(call_units__isnull=True).exists():
        raise ConflictError(_("This bond has already been called in full."), code="security_called")
    outstanding = int(ControlBook.objects.filter(security=security).values_list("outstanding", flat=True).first()
                      or 0)
    pending = sum(int(n) for n in live.filter(status__in=[Status.SCHEDULED, Status.BLOCKED, Status.RECORDED,
                                                          Status.PAYING]).values_list("call_units", flat=True))
    if call_units is not None and call_units > outstanding - pending:
        message = _("At most %(units)s units can be called.") % {"units": max(outstanding - pending, 0)}
        raise _refuse(message, "call_exceeds_outstanding", "call_units")


@transaction.atomic(durable=True)
def action_declare(*, security: Security, kind: str, record_date: object, payment_date: object,
                   ex_date: object = None, per_unit_amount: object = None, total_amount: object = None,
                   call_units: object = None, call_price: object = None, method: str = "chain",
                   actor: User) -> CorporateAction:
    """Declare a dividend (shares), a fund distribution (fund units) or an early call (bonds),
    to be approved by a second person. Dates: record on or before payment, neither before the
    business date; ex date by default the day after the record date (a buyer on the record
    date settles at once and is a holder of record). A dividend gives a per-unit amount or a
    total (split by largest remainder); a call gives its price (% of face, default 100), the
    accrued coupon per unit if any, and the units called (none: all)."""
    security = (Security.objects.select_for_update(of=("self",), no_key=True).select_related("issuer")
                .get(pk=security.pk))
    policy_ensure(actor, Action.CORPORATE_ACTION_DECLARE, organization_id=security.issuer.organization_id)
    if kind not in Kind.values:
        raise _refuse(_("Choose a kind of corporate action."), "invalid_kind", "kind")
    if kind not in DECLARED:
        raise _refuse(_("Coupons and the redemption at maturity come from the bond's schedule."),
                      "kind_from_schedule", "kind")
    if security.kind != DECLARED[kind]:
        message = _("A %(kind)s is declared on %(instrument)s only.") % {
            "kind": Kind(kind).label, "instrument": Security.Kind(DECLARED[kind]).label}
        raise _refuse(message, "kind_not_for_instrument", "kind")
    if method not in Method.values:
        raise _refuse(_("Choose how the action is paid."), "invalid_method", "method")
    if method == Method.CHAIN and not chain_method_available(security):
        raise _refuse(_("This security cannot be paid on chain (its token is not deployed or its currency has no "
                        "cash token): choose the payment file."), "chain_unavailable", "method")
    record, payment = _date(record_date, "record_date"), _date(payment_date, "payment_date")
    ex = _date(ex_date, "ex_date") if ex_date not in (None, "") else record + dt.timedelta(days=1)
    today = business_today()
    if record < today:
        raise _refuse(_("The record date is in the past."), "date_in_past", "record_date")
    if record > payment:
        raise _refuse(_("The record date must be on or before the payment date."), "record_after_payment",
                      "record_date")
    if ex <= record:
        raise _refuse(_("The ex date must be after the record date."), "ex_not_after_record", "ex_date")
    minor = MINOR_UNITS[security.currency]
    per_unit = _amount(per_unit_amount, "per_unit_amount", places=6)
    total = _amount(total_amount, "total_amount", places=minor)
    units = _units(call_units, "call_units")
    fields: dict = {}
    if kind == Kind.DIVIDEND:
        if (per_unit is None) == (total is None):
            raise _refuse(_("Give either the amount per share or the total, not both."), "amount_required",
                          "per_unit_amount")
        fields = {"per_unit_amount": per_unit or Decimal(0), "total_amount": total}
    elif kind == Kind.DISTRIBUTION:
        if per_unit is None:
            raise _refuse(_("Give the amount per unit."), "amount_required", "per_unit_amount")
        fields = {"per_unit_amount": per_unit}
    else:
        _check_call(security, payment_date=payment, call_units=units)
        price = _amount(call_price, "call_price", places=4) or Decimal(100)
        principal = (security.face_value or Decimal(0)) * price / 100
        rounding = "ROUND_DOWN" if security.coupon_rounding == Security.Rounding.DOWN else "ROUND_HALF_UP"
        principal = principal.quantize(Decimal(1).scaleb(-minor), rounding=rounding)
        if principal <= 0:
            raise _refuse(_("This bond has no face value to repay."), "amount_not_positive", "call_price")
        fields = {"principal_per_unit": principal, "per_unit_amount": per_unit or Decimal(0), "call_units": units,
                  "rate": security.coupon_rate}
    if CorporateAction.objects.filter(security=security, kind=kind, record_date=record,
                                      payment_date=payment).exclude(status=Status.CANCELLED).exists():
        raise ConflictError(_("This action is already declared for these dates."), code="duplicate_action")
    action = CorporateAction.objects.create(security=security, kind=kind, method=method, currency=security.currency,
                                            declaration_date=today, record_date=record, ex_date=ex,
                                            payment_date=payment, created_by=actor, **fields)
    audit_record(action="corporate_action.declared", actor=actor, obj=action, new={
        "kind": kind, "security": security.pk, "record_date": record, "payment_date": payment, "ex_date": ex,
        "method": method, **{k: v for k, v in fields.items() if v is not None}})
    return action


# -- four eyes, cancel ----------------------------------------------------------------------

@transaction.atomic(durable=True)
def action_approve(*, action: CorporateAction, actor: User) -> CorporateAction:
    """A compliance officer's or cash agent's approval; never the person who declared it.
    Before or after the record; the payment waits for it."""
    policy_ensure(actor, Action.CORPORATE_ACTION_APPROVE)
    action = CorporateAction.objects.select_for_update().get(pk=action.pk)
    if action.status == Status.CANCELLED:
        raise ConflictError(_("This corporate action was cancelled."), code="action_cancelled")
    if action.approved_by_id is not None:
        raise ConflictError(_("This corporate action is already approved."), code="already_approved")
    if action.created_by_id == actor.pk:
        raise PermissionDeniedError(_("Another person must approve the action you declared."),
                                    code="four_eyes_required")
    now = timezone.now()
    CorporateAction.objects.filter(pk=action.pk).update(approved_by=actor, approved_at=now)
    action.approved_by, action.approved_at = actor, now
    audit_record(action="corporate_action.approved", actor=actor, obj=action, new={"approved_by": actor.pk})
    return action


@transaction.atomic(durable=True)
def action_cancel(*, action: CorporateAction, reason: str, actor: User) -> CorporateAction:
    """Cancel an action that is not recorded yet (scheduled or blocked), with a reason."""
    action = CorporateAction.objects.select_for_update(of=("self",)).select_related("security__issuer").get(
        pk=action.pk)
    policy_ensure(actor, Action.CORPORATE_ACTION_CANCEL, organization_id=action.security.issuer.organization_id)
    reason = str(reason or "").strip()
    if not reason:
        raise _refuse(_("Give a reason."), "reason_required", "reason")
    if len(reason) > 500:
        raise _refuse(_("Keep the reason under 500 characters."), "reason_too_long", "reason")
    return action_move(action, to=Status.CANCELLED, actor=actor, new={"reason": reason})
