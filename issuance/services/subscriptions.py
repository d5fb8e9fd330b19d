"""Subscriptions: the investor subscribes (the offering row is locked so the hard cap and the
per-investor limit hold under concurrency), accepts the agreement (time, IP, document hash),
pays; the issuer marks funds received and accepts or rejects, one by one or in bulk.
Accepted and funded subscriptions are READY_TO_SETTLE, for the register (issue 6)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.policy import Action, policy_ensure
from compliance.codes import describe
from core import context
from core.audit import audit_record, normalize_ip
from core.clock import business_today
from core.errors import ApplicationError, ConflictError, NotFoundError
from core.lifecycle import transition
from core.money import to_base_units
from notifications import hooks

from .. import eligibility
from ..events import subscription_changed
from ..models import Offering, OfferingDocument, Subscription
from ..templatetags.issuance import units as units_text
from ._common import invalid, required

S = Subscription.Status


@transaction.atomic(durable=True)
def subscription_create(*, offering: Offering, units, actor: User, today: date | None = None) -> Subscription:
    """Subscribe for `units` whole units (e.g. '10', or '2.5' for fund units)."""
    today = today or business_today()
    offering = Offering.objects.select_for_update().select_related("security__issuer").get(pk=offering.pk)
    security = offering.security
    required(units, field="units", label=_("Units"))
    try:
        base = to_base_units(units, security.decimals)
    except ApplicationError as exc:
        raise invalid(exc.message, field="units", code="invalid_amount")
    if base <= 0:
        raise invalid(_("Units must be greater than zero."), field="units", code="not_positive")
    if offering.status != Offering.Status.PUBLISHED or not (offering.opens_on <= today <= offering.closes_on):
        raise ConflictError(_("This offering is not open for subscriptions."), code="offering_not_open")
    if base < offering.min_subscription:
        raise invalid(_("The minimum subscription is %(units)s units.")
                      % {"units": offering.units(offering.min_subscription)},
                      field="units", code="below_minimum")
    active = offering.subscriptions.filter(status__in=Subscription.ACTIVE)
    mine = int(active.filter(investor=actor).aggregate(s=Sum("units"))["s"] or 0)
    if mine + base > offering.max_subscription:
        left = max(int(offering.max_subscription) - mine, 0)
        raise invalid(_("You can subscribe for at most %(units)s more units in this offering.")
                      % {"units": offering.units(left)},
                      field="units", code="above_investor_maximum")
    taken = int(active.aggregate(s=Sum("units"))["s"] or 0)
    if taken + base > offering.hard_cap:
        left = max(int(offering.hard_cap) - taken, 0)
        raise invalid(_("Only %(units)s units remain in this offering.") % {"units": offering.units(left)},
                      field="units", code="above_remaining_cap")
    verdict = eligibility.issue_verdict(user=actor, security=security, units=base, today=today)
    if not verdict.allowed:
        raise ApplicationError(describe(verdict.code), code=verdict.reason)
    amount = offering.amount_for(base)
    sub = Subscription.objects.create(offering=offering, investor=actor, units=base, amount=amount.amount,
                                      currency=amount.currency)
    audit_record(action="subscription.created", actor=actor, obj=sub,
                 new={"offering": offering.pk, "units": str(base), "amount": str(amount.amount),
                      "currency": amount.currency})
    hooks.subscription_received(sub, units=units_text(base, offering))
    subscription_changed(sub, previous=None)
    return sub


def _own(sub: Subscription, actor: User) -> Subscription:
    sub = Subscription.objects.select_for_update().select_related("offering__security__issuer").get(pk=sub.pk)
    if sub.investor_id != actor.pk:
        raise NotFoundError(_("Not found."), code="not_found")
    return sub


@transaction.atomic(durable=True)
def subscription_agreement_accept(*, subscription: Subscription, agreement_sha256: str, actor: User) -> Subscription:
    """The investor accepts the subscription agreement they were shown (identified by its
    hash, so a document swapped in between is refused)."""
    sub = _own(subscription, actor)
    doc = sub.offering.document(OfferingDocument.Kind.AGREEMENT)
    if doc is None or doc.sha256 != (agreement_sha256 or "").strip().lower():
        raise ConflictError(_("The subscription agreement has changed; read it again."), code="agreement_mismatch")
    transition(sub, to=S.SIGNED, actor=actor)
    subscription_changed(sub, previous=S.PENDING)
    fields = {"agreement_accepted_at": timezone.now(), "agreement_ip": normalize_ip(context.client_ip.get()),
              "agreement_sha256": doc.sha256}
    Subscription.objects.filter(pk=sub.pk).update(**fields)
    audit_record(action="subscription.agreement_accepted", actor=actor, obj=sub, new=fields)
    sub.refresh_from_db()
    return sub


@transaction.atomic(durable=True)
def subscription_cancel(*, subscription: Subscription, actor: User) -> Subscription:
    sub = _own(subscription, actor)
    previous = sub.status
    transition(sub, to=S.CANCELLED, actor=actor)
    subscription_changed(sub, previous=previous)
    return sub


def _issuer_side(sub: Subscription, actor: User, action: Action) -> Subscription:
    sub = Subscription.objects.select_for_update().select_related("offering__security__issuer").get(pk=sub.pk)
    policy_ensure(actor, action, organization_id=sub.offering.security.issuer.organization_id)
    return sub


def _mark_funded(sub: Subscription, reference: str, actor: User) -> None:
    if sub.status not in (S.SIGNED, S.ACCEPTED):
        raise ConflictError(_("Only a signed subscription can be marked funded."), code="invalid_transition")
    previous = sub.status
    transition(sub, to=S.FUNDED if sub.status == S.SIGNED else S.READY_TO_SETTLE, actor=actor)
    subscription_changed(sub, previous=previous)
    fields = {"funded_at": timezone.now(), "funding_reference": reference}
    Subscription.objects.filter(pk=sub.pk).update(**fields)
    audit_record(action="subscription.funds_received", actor=actor, obj=sub, new=fields)


def _accept(sub: Subscription, actor: User) -> None:
    if sub.status not in (S.SIGNED, S.FUNDED):
        raise ConflictError(_("Subscription %(ref)s cannot be accepted in its state (%(status)s).")
                            % {"ref": sub.payment_reference, "status": sub.get_status_display()},
                            code="invalid_transition")
    previous = sub.status
    transition(sub, to=S.READY_TO_SETTLE if sub.status == S.FUNDED else S.ACCEPTED, actor=actor)
    subscription_changed(sub, previous=previous)
    Subscription.objects.filter(pk=sub.pk).update(decided_at=timezone.now(), decided_by=actor)
    hooks.subscription_accepted(sub, units=units_text(sub.units, sub.offering))


def _reject(sub: Subscription, reason: str, actor: User) -> None:
    if sub.status not in (S.PENDING, S.SIGNED, S.FUNDED, S.ACCEPTED):
        raise ConflictError(_("Subscription %(ref)s cannot be rejected in its state (%(status)s).")
                            % {"ref": sub.payment_reference, "status": sub.get_status_display()},
                            code="invalid_transition")
    previous = sub.status
    transition(sub, to=S.REJECTED, actor=actor, reason=reason)
    subscription_changed(sub, previous=previous)
    Subscription.objects.filter(pk=sub.pk).update(decided_at=timezone.now(), decided_by=actor,
                                                  rejection_reason=reason)


@transaction.atomic(durable=True)
def subscription_mark_funded(*, subscription: Subscription, reference: str, actor: User) -> Subscription:
    reference = required(reference, field="reference", label=_("Funding reference"))
    limit = Subscription._meta.get_field("funding_reference").max_length
    if not isinstance(reference, str) or len(reference) > limit:
        raise invalid(_("Enter at most %(max)d characters.") % {"max": limit}, field="reference", code="too_long")
    sub = _issuer_side(subscription, actor, Action.SUBSCRIPTION_FUND)
    _mark_funded(sub, reference, actor)
    sub.refresh_from_db()
    return sub


@transaction.atomic(durable=True)
def subscription_accept(*, subscription: Subscription, actor: User) -> Subscription:
    sub = _issuer_side(subscription, actor, Action.SUBSCRIPTION_ACCEPT)
    _accept(sub, actor)
    sub.refresh_from_db()
    return sub


@transaction.atomic(durable=True)
def subscription_reject(*, subscription: Subscription, reason: str, actor: User) -> Subscription:
    reason = required(reason, field="reason", label=_("Reason"))
    sub = _issuer_side(subscription, actor, Action.SUBSCRIPTION_REJECT)
    _reject(sub, reason, actor)
    sub.refresh_from_db()
    return sub


def _bulk(offering: Offering, pks: Iterable[int], actor: User, action: Action) -> list[Subscription]:
    offering = Offering.objects.select_related("security__issuer").get(pk=offering.pk)
    policy_ensure(actor, action, organization_id=offering.security.issuer.organization_id)
    pks = sorted({int(pk) for pk in pks})
    if not pks:
        raise invalid(_("Select at least one subscription."), field="subscriptions", code="nothing_selected")
    subs = list(Subscription.objects.select_for_update().filter(offering=offering, pk__in=pks).order_by("pk"))
    if len(subs) != len(pks):
        raise NotFoundError(_("Some selected subscriptions do not belong to this offering."), code="not_found")
    return subs


@transaction.atomic(durable=True)
def subscriptions_accept_bulk(*, offering: Offering, subscription_ids: Iterable[int], actor: User) -> int:
    """All or nothing: one subscription that cannot be accepted refuses the whole batch."""
    subs = _bulk(offering, subscription_ids, actor, Action.SUBSCRIPTION_ACCEPT)
    for sub in subs:
        _accept(sub, actor)
    return len(subs)


@transaction.atomic(durable=True)
def subscriptions_reject_bulk(*, offering: Offering, subscription_ids: Iterable[int], reason: str, actor: User) -> int:
    reason = required(reason, field="reason", label=_("Reason"))
    subs = _bulk(offering, subscription_ids, actor, Action.SUBSCRIPTION_REJECT)
    for sub in subs:
        _reject(sub, reason, actor)
    return len(subs)
