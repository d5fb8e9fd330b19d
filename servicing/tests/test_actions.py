"""Corporate actions: the bond's schedule turned into coupons and the redemption, dividends,
distributions and calls declared by the issuer's admin (each bad input with its code), the
four-eyes approval and the cancel."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone

from core.clock import business_today
from core.errors import ApplicationError
from core.models import AuditEvent
from issuance.models import Security
from servicing.models import CorporateAction
from servicing.services import action_approve, action_cancel, action_declare, actions_from_schedule

from .conftest import issue, years_later

pytestmark = pytest.mark.django_db
Kind, Status = CorporateAction.Kind, CorporateAction.Status


def _coupon(days: int) -> Decimal:
    """100,000 face x 2% x days/365 (ACT/365F), rounded half up to the yen."""
    return (Decimal(100000) * Decimal("0.02") * days / 365).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def test_schedule_makes_the_coupons_and_the_redemption_once(bond_held):
    assert actions_from_schedule(security=bond_held) == 4
    assert actions_from_schedule(security=bond_held) == 0
    coupons = list(CorporateAction.objects.filter(security=bond_held, kind=Kind.COUPON).order_by("sequence"))
    redemption = CorporateAction.objects.get(security=bond_held, kind=Kind.REDEMPTION)
    assert [c.sequence for c in coupons] == [1, 2, 3]
    first = coupons[0]
    days = (first.accrual_end - first.accrual_start).days
    assert first.accrual_start == bond_held.issue_date and first.per_unit_amount == _coupon(days)
    assert (first.fraction_numerator, first.fraction_denominator) == (
        days // __import__("math").gcd(days, 365), 365 // __import__("math").gcd(days, 365))
    # no calendar: paid on the accrual end, recorded one day before, ex the day after the record
    assert first.payment_date == first.accrual_end
    assert first.record_date == first.payment_date - dt.timedelta(days=1)
    assert first.ex_date == first.payment_date
    assert (first.status, first.method, first.declaration_date, first.rate) == (
        Status.SCHEDULED, "offchain", bond_held.issue_date, Decimal("2"))
    # the last coupon is paid with the principal, on the maturity date
    assert redemption.payment_date == bond_held.maturity_date == years_later(bond_held.issue_date, 2)
    assert redemption.principal_per_unit == Decimal(100000)
    assert redemption.per_unit_amount == _coupon((redemption.accrual_end - redemption.accrual_start).days)
    assert AuditEvent.objects.filter(action="corporate_action.scheduled").count() == 4


def test_schedule_pays_on_chain_when_the_token_is_deployed_and_the_currency_has_a_cash_token(bond_held, cash_jpy):
    Security.objects.filter(pk=bond_held.pk).update(deploy_requested_at=timezone.now())
    actions_from_schedule(security=bond_held)
    assert set(CorporateAction.objects.filter(security=bond_held).values_list("method", flat=True)) == {"chain"}


def test_schedule_waits_for_the_first_issue_and_skips_other_instruments(bond, equity):
    assert actions_from_schedule(security=bond) == 0
    assert actions_from_schedule(security=equity) == 0
    assert not CorporateAction.objects.exists()


def _declare(security, actor, **overrides):
    today = business_today()
    fields = {"kind": Kind.DIVIDEND, "record_date": today, "payment_date": today + dt.timedelta(days=10),
              "per_unit_amount": "25", "method": "offchain"}
    return action_declare(security=security, actor=actor, **{**fields, **overrides})


def test_dividend_declared(equity, issuer_admin):
    action = _declare(equity, issuer_admin)
    today = business_today()
    assert (action.kind, action.status, action.per_unit_amount, action.total_amount) == (
        Kind.DIVIDEND, Status.SCHEDULED, Decimal(25), None)
    assert (action.declaration_date, action.ex_date, action.created_by, action.currency) == (
        today, today + dt.timedelta(days=1), issuer_admin, "JPY")
    assert AuditEvent.objects.filter(action="corporate_action.declared", object_id=str(action.pk)).exists()
    total = _declare(equity, issuer_admin, per_unit_amount=None, total_amount="1000000",
                     payment_date=today + dt.timedelta(days=11))
    assert total.total_amount == Decimal(1000000) and total.per_unit_amount == 0


def test_distribution_and_call_declared(fund, bond_held, issuer_admin):
    today = business_today()
    dist = _declare(fund, issuer_admin, kind=Kind.DISTRIBUTION, per_unit_amount="12.345678")
    assert dist.per_unit_amount == Decimal("12.345678")
    call = _declare(bond_held, issuer_admin, kind=Kind.CALL, per_unit_amount="250", call_units="30",
                    call_price="101", payment_date=today + dt.timedelta(days=30))
    assert (call.principal_per_unit, call.per_unit_amount, call.call_units) == (Decimal(101000), 250, 30)


def test_chain_method_needs_a_deployed_token_and_a_cash_token(equity, issuer_admin, cash_jpy):
    with pytest.raises(ApplicationError) as exc:
        _declare(equity, issuer_admin, method="chain")
    assert exc.value.code == "chain_unavailable"
    Security.objects.filter(pk=equity.pk).update(deploy_requested_at=timezone.now())
    assert _declare(equity, issuer_admin, method="chain").method == "chain"


def _days(n):
    return business_today() + dt.timedelta(days=n)


BAD = [
    ("equity", {"kind": "bonus"}, "invalid_kind"),
    ("bond_held", {"kind": Kind.COUPON}, "kind_from_schedule"),
    ("bond_held", {"kind": Kind.REDEMPTION}, "kind_from_schedule"),
    ("bond_held", {}, "kind_not_for_instrument"),
    ("equity", {"kind": Kind.DISTRIBUTION}, "kind_not_for_instrument"),
    ("fund", {"kind": Kind.CALL}, "kind_not_for_instrument"),
    ("equity", {"method": "cheque"}, "invalid_method"),
    ("equity", {"record_date": "tomorrow"}, "invalid_date"),
    ("equity", {"payment_date": "2026-02-30"}, "invalid_date"),
    ("equity", {"record_date": _days, "payment_date": None}, "date_in_past"),
    ("equity", {"record_date": 5, "payment_date": 4}, "record_after_payment"),
    ("equity", {"ex_date": 0}, "ex_not_after_record"),
    ("equity", {"per_unit_amount": None}, "amount_required"),
    ("equity", {"total_amount": "1000"}, "amount_required"),
    ("equity", {"per_unit_amount": "0"}, "amount_not_positive"),
    ("equity", {"per_unit_amount": "-5"}, "amount_not_positive"),
    ("equity", {"per_unit_amount": "abc"}, "invalid_amount"),
    ("equity", {"per_unit_amount": "NaN"}, "invalid_amount"),
    ("equity", {"per_unit_amount": "0.0000001"}, "invalid_amount"),
    ("equity", {"per_unit_amount": None, "total_amount": "10.5"}, "invalid_amount"),
    ("fund", {"kind": Kind.DISTRIBUTION, "per_unit_amount": None}, "amount_required"),
    ("bond_held", {"kind": Kind.CALL, "call_units": "61"}, "call_exceeds_outstanding"),
    ("bond_held", {"kind": Kind.CALL, "call_units": "1.5"}, "invalid_units"),
    ("bond_held", {"kind": Kind.CALL, "call_units": "0"}, "amount_not_positive"),
    ("bond_held", {"kind": Kind.CALL, "call_price": "0"}, "amount_not_positive"),
]


@pytest.mark.parametrize(("instrument", "overrides", "code"), BAD, ids=[f"{c}-{i}" for i, (_s, _o, c) in
                                                                        enumerate(BAD)])
def test_bad_declarations_are_refused_with_their_code(instrument, overrides, code, issuer_admin, request):
    security = request.getfixturevalue(instrument)
    overrides = dict(overrides)
    if overrides.get("record_date") is _days:      # the day before the business date
        overrides["record_date"] = _days(-1)
        overrides["payment_date"] = _days(5)
    for field in ("record_date", "payment_date", "ex_date"):
        if isinstance(overrides.get(field), int):
            overrides[field] = _days(overrides[field])
    if overrides.get("payment_date", "") is None:
        overrides.pop("payment_date")
    before = CorporateAction.objects.count()
    with pytest.raises(ApplicationError) as exc:
        _declare(security, issuer_admin, **overrides)
    assert exc.value.code == code and exc.value.status in (400, 409)
    assert CorporateAction.objects.count() == before


def test_duplicate_declaration(equity, issuer_admin):
    _declare(equity, issuer_admin)
    with pytest.raises(ApplicationError) as exc:
        _declare(equity, issuer_admin)
    assert (exc.value.status, exc.value.code) == (409, "duplicate_action")


def test_call_on_a_matured_or_fully_called_bond(bond_held, issuer_admin):
    _declare(bond_held, issuer_admin, kind=Kind.CALL, payment_date=_days(20))
    with pytest.raises(ApplicationError) as exc:
        _declare(bond_held, issuer_admin, kind=Kind.CALL, payment_date=_days(21))
    assert exc.value.code == "security_called"
    Security.objects.filter(pk=bond_held.pk).update(matured_on=business_today())
    with pytest.raises(ApplicationError) as exc:
        _declare(bond_held, issuer_admin, kind=Kind.CALL, payment_date=_days(22))
    assert exc.value.code == "security_matured"


def test_partial_calls_cannot_add_up_to_more_than_outstanding(bond_held, issuer_admin):
    _declare(bond_held, issuer_admin, kind=Kind.CALL, call_units="40", payment_date=_days(20))
    with pytest.raises(ApplicationError) as exc:
        _declare(bond_held, issuer_admin, kind=Kind.CALL, call_units="21", payment_date=_days(21))
    assert exc.value.code == "call_exceeds_outstanding"


@pytest.mark.parametrize(("persona", "status", "code"), [
    ("issuer_member", 403, "admin_required"), ("compliance_officer", 403, "permission_denied"),
    ("operator", 403, "permission_denied"), ("verified_investor", 404, "not_found"),
    ("cash_agent", 404, "not_found")])
def test_only_the_issuers_admin_declares(equity, persona, status, code, request):
    with pytest.raises(ApplicationError) as exc:
        _declare(equity, request.getfixturevalue(persona))
    assert (exc.value.status, exc.value.code) == (status, code)
    assert not CorporateAction.objects.exists()


def test_four_eyes_approval(equity, issuer_admin, compliance_officer, cash_agent):
    action = _declare(equity, issuer_admin)
    approved = action_approve(action=action, actor=compliance_officer)
    assert approved.approved_by == compliance_officer and approved.approved_at is not None
    assert AuditEvent.objects.filter(action="corporate_action.approved", actor=compliance_officer).exists()
    with pytest.raises(ApplicationError) as exc:
        action_approve(action=action, actor=cash_agent)
    assert (exc.value.status, exc.value.code) == (409, "already_approved")
    other = _declare(equity, issuer_admin, payment_date=_days(12))
    assert action_approve(action=other, actor=cash_agent).approved_by == cash_agent


def test_the_declarer_cannot_approve(equity, issuer_admin, compliance_officer):
    action = _declare(equity, issuer_admin)
    CorporateAction.objects.filter(pk=action.pk).update(created_by=compliance_officer)
    with pytest.raises(ApplicationError) as exc:
        action_approve(action=action, actor=compliance_officer)
    assert (exc.value.status, exc.value.code) == (403, "four_eyes_required")
    assert CorporateAction.objects.get(pk=action.pk).approved_by is None


@pytest.mark.parametrize("persona", ["issuer_admin", "issuer_member", "operator", "verified_investor"])
def test_only_compliance_or_cash_agents_approve(equity, issuer_admin, persona, request):
    action = _declare(equity, issuer_admin)
    with pytest.raises(ApplicationError) as exc:
        action_approve(action=action, actor=request.getfixturevalue(persona))
    assert (exc.value.status, exc.value.code) == (403, "approver_required")


def test_cancel(equity, issuer_admin, operator, compliance_officer):
    action = _declare(equity, issuer_admin)
    with pytest.raises(ApplicationError) as exc:
        action_cancel(action=action, reason="  ", actor=issuer_admin)
    assert exc.value.code == "reason_required"
    cancelled = action_cancel(action=action, reason="board withdrew the dividend", actor=issuer_admin)
    assert cancelled.status == Status.CANCELLED
    assert AuditEvent.objects.filter(action="corporate_action.cancelled",
                                     new_values__reason="board withdrew the dividend").exists()
    with pytest.raises(ApplicationError) as exc:
        action_cancel(action=action, reason="again", actor=operator)
    assert (exc.value.status, exc.value.code) == (409, "invalid_transition")
    with pytest.raises(ApplicationError) as exc:
        action_approve(action=action, actor=compliance_officer)
    assert exc.value.code == "action_cancelled"
    second = _declare(equity, issuer_admin)       # the cancelled one is no duplicate
    assert action_cancel(action=second, reason="typo", actor=operator).status == Status.CANCELLED


def test_a_recorded_action_cannot_be_cancelled(equity, issuer_admin, issuer_member):
    action = _declare(equity, issuer_admin)
    with pytest.raises(ApplicationError) as exc:
        action_cancel(action=action, reason="no", actor=issuer_member)
    assert (exc.value.status, exc.value.code) == (403, "admin_required")
    CorporateAction.objects.filter(pk=action.pk).update(status=Status.RECORDED)
    with pytest.raises(ApplicationError) as exc:
        action_cancel(action=action, reason="too late", actor=issuer_admin)
    assert (exc.value.status, exc.value.code) == (409, "invalid_transition")


def test_issue_helper_keeps_units(bond, holders, issuer_admin):
    issue(bond, holders.jp_wallet, 5, issuer_admin)
    assert actions_from_schedule(security=bond) == 4


def test_selectors(equity, issuer_admin, compliance_officer, cash_agent, verified_investor):
    from servicing import selectors

    open_one = _declare(equity, issuer_admin)
    cancelled = _declare(equity, issuer_admin, payment_date=_days(12))
    action_cancel(action=cancelled, reason="withdrawn", actor=issuer_admin)
    assert list(selectors.actions_upcoming(security=equity)) == [open_one]
    assert list(selectors.actions_past(security=equity)) == [cancelled]
    assert list(selectors.actions_due(security=equity)) == []
    assert selectors.action_get_for(actor=compliance_officer, pk=open_one.pk) == open_one
    with pytest.raises(ApplicationError) as exc:
        selectors.action_get_for(actor=verified_investor, pk=open_one.pk)
    assert exc.value.status == 404
    with pytest.raises(ApplicationError) as exc:
        selectors.action_get_for(actor=compliance_officer, pk=10**9)
    assert exc.value.status == 404
    assert list(selectors.actions_awaiting_approval(actor=cash_agent)) == [open_one]
    with pytest.raises(ApplicationError) as exc:
        selectors.actions_awaiting_approval(actor=issuer_admin)
    assert (exc.value.status, exc.value.code) == (403, "approver_required")
    assert list(selectors.income_of(investor=verified_investor)) == []


def test_schedule_of_a_bond_without_terms_is_refused(bond_held):
    from issuance.schedule import ScheduleError

    Security.objects.filter(pk=bond_held.pk).update(coupon_frequency="")
    with pytest.raises(ScheduleError) as exc:
        actions_from_schedule(security=bond_held)
    assert exc.value.status == 400 and not CorporateAction.objects.exists()
