"""Offerings: draft (edit, attach documents) -> published (token deployment queued in the
outbox, same transaction) -> closed, or cancelled (open subscriptions are rejected)."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.policy import Action, policy_ensure
from core import countries
from core.audit import audit_record
from core.clock import business_today, calendar_date
from core.errors import ApplicationError, ConflictError, ErrorCollector
from core.lifecycle import transition
from core.money import MINOR_UNITS, Money, to_base_units
from core.outbox import outbox_put
from core.outbox_payloads import TokenDeploy, TokenRules

from .. import storage
from ..events import subscription_changed
from ..models import Offering, OfferingDocument, Security, Subscription
from ..models.offerings import SettlementMode
from ._common import invalid, required

EDITABLE = ("title", "currency", "price", "min_subscription", "max_subscription", "target", "hard_cap",
            "opens_on", "closes_on", "payment_instructions", "settlement_mode", "is_public")
_TITLE = Offering._meta.get_field("title")
_PRICE = Offering._meta.get_field("price")
#: The price column holds 20 digits, 2 of them decimals: refuse what it cannot store (a 400, not a 500).
MAX_PRICE = Decimal(10) ** (_PRICE.max_digits - _PRICE.decimal_places)


def _units(value, *, decimals: int, field: str, label: str) -> int:
    required(value, field=field, label=label)
    try:
        units = to_base_units(value, decimals)
    except ApplicationError as exc:
        raise invalid(exc.message, field=field, code="invalid_amount")
    if units <= 0:
        raise invalid(_("%(field)s must be greater than zero.") % {"field": label}, field=field, code="not_positive")
    return units


def _settlement_mode(value) -> str:
    """dvp or manual; left out (an API client that does not name it): manual, the column's default."""
    if value in (None, ""):
        return SettlementMode.MANUAL
    if value not in SettlementMode.values:
        raise invalid(_("Choose how subscriptions are settled: delivery versus payment or off chain."),
                      field="settlement_mode", code="invalid_settlement_mode")
    return value


def _is_public(value) -> bool:
    """Advertised on the public home page: a boolean; left out, not advertised."""
    if value in (None, ""):
        return False
    if not isinstance(value, bool):
        raise invalid(_("Say yes or no to advertising the offering on the public home page."),
                      field="is_public", code="invalid_is_public")
    return value


def _title(value) -> str:
    title = required(value, field="title", label=_("Title"))
    if len(title) > _TITLE.max_length:
        raise invalid(_("The title can be at most %(n)d characters.") % {"n": _TITLE.max_length}, field="title",
                      code="title_too_long")
    return title


def _price(value, currency: str) -> Decimal:
    required(value, field="price", label=_("Price per unit"))
    try:
        price = Money(value, currency).amount
    except ApplicationError as exc:
        if exc.code == "amount_too_large":   # more digits than Decimal can quantize
            raise invalid(_("The price is too large."), field="price", code="price_too_large") from exc
        raise invalid(exc.message, field="price", code="invalid_price") from exc
    if price <= 0:
        raise invalid(_("The price must be greater than zero."), field="price", code="price_not_positive")
    if price >= MAX_PRICE:
        raise invalid(_("The price is too large."), field="price", code="price_too_large")
    return price


def _validated(security: Security, data: dict) -> dict:
    """Check one offering's terms; amounts arrive in whole units (e.g. '10' or '1.5'). Every
    problem is reported at once (the first one's code is the error's code)."""
    d, errors = security.decimals, ErrorCollector()
    check = errors.check
    title = check(_title, data.get("title"))
    currency = data.get("currency")
    if currency not in MINOR_UNITS:
        errors.add(invalid(_("Choose JPY or USD."), field="currency", code="invalid_currency"))
    values = {
        "title": title, "currency": currency,
        "price": check(_price, data.get("price"), currency) if currency in MINOR_UNITS else None,
        "min_subscription": check(_units, data.get("min_subscription"), decimals=d, field="min_subscription",
                                  label=_("Minimum subscription")),
        "max_subscription": check(_units, data.get("max_subscription"), decimals=d, field="max_subscription",
                                  label=_("Maximum subscription")),
        "target": check(_units, data.get("target"), decimals=d, field="target", label=_("Target")),
        "hard_cap": check(_units, data.get("hard_cap"), decimals=d, field="hard_cap", label=_("Hard cap")),
        "opens_on": check(required, data.get("opens_on"), field="opens_on", label=_("Opening date")),
        "closes_on": check(required, data.get("closes_on"), field="closes_on", label=_("Closing date")),
        "payment_instructions": (data.get("payment_instructions") or "").strip(),
        "settlement_mode": check(_settlement_mode, data.get("settlement_mode")),
        "is_public": check(_is_public, data.get("is_public")),
    }

    def known(*names) -> bool:
        return all(values[n] is not None for n in names)

    if known("min_subscription", "max_subscription") and values["min_subscription"] > values["max_subscription"]:
        errors.add(invalid(_("The minimum subscription is above the maximum."), field="min_subscription",
                           code="min_above_max"))
    if known("max_subscription", "hard_cap") and values["max_subscription"] > values["hard_cap"]:
        errors.add(invalid(_("The maximum subscription is above the hard cap."), field="max_subscription",
                           code="max_above_cap"))
    if known("target", "hard_cap") and values["target"] > values["hard_cap"]:
        errors.add(invalid(_("The target is above the hard cap."), field="target", code="target_above_cap"))
    if known("opens_on", "closes_on"):
        if not isinstance(values["opens_on"], date) or not isinstance(values["closes_on"], date):
            errors.add(invalid(_("Enter valid dates."), field="opens_on", code="invalid_dates"))
        elif values["closes_on"] <= values["opens_on"]:
            errors.add(invalid(_("The closing date must be after the opening date."), field="closes_on",
                               code="closes_before_opens"))
    errors.raise_any()
    return values


@transaction.atomic(durable=True)
def offering_create(*, security: Security, data: dict, actor: User) -> Offering:
    policy_ensure(actor, Action.OFFERING_CREATE, organization_id=security.issuer.organization_id)
    if security.kind == Security.Kind.CASH:   # minted only against money held in trust (cash/)
        raise ConflictError(_("A cash token is not offered: it is issued against deposits."), code="not_offerable")
    values = _validated(security, data)
    offering = Offering.objects.create(security=security, created_by=actor, **values)
    audit_record(action="offering.created", actor=actor, obj=offering, new={"security": security.pk, **values})
    return offering


def offering_ensure_editable(*, offering: Offering, actor: User) -> None:
    """Refuse unless `actor` may edit `offering` now: only an admin of its issuer (a non-member
    gets NotFoundError, a plain member PermissionDeniedError) and only while it is a draft
    (ConflictError `offering_not_draft`). offering_update runs this again under the row lock;
    the edit page and the PATCH endpoint call it first, so they refuse before showing a form
    or parsing a body."""
    policy_ensure(actor, Action.OFFERING_EDIT, organization_id=offering.security.issuer.organization_id)
    if offering.status != Offering.Status.DRAFT:
        raise ConflictError(_("Only a draft offering can be edited."), code="offering_not_draft")


@transaction.atomic(durable=True)
def offering_update(*, offering: Offering, data: dict, actor: User) -> Offering:
    """Change a draft's terms (issuer admins only). `data` may be partial (keys from EDITABLE,
    limits in whole units as on creation); the fields it leaves out keep their values and the
    merged terms are checked exactly as offering_create checks them. The row lock makes this
    and offering_publish take turns: an edit never lands on an offering that was published
    meanwhile. Only the fields that change are saved and audited (`offering.updated`, old and
    new values in base units); an edit that changes nothing writes nothing."""
    offering = Offering.objects.select_for_update().select_related("security__issuer").get(pk=offering.pk)
    offering_ensure_editable(offering=offering, actor=actor)
    values = _validated(offering.security,
                        {**{f: getattr(offering, f) for f in EDITABLE}, **data, **_whole(offering, data)})
    changed = {field: value for field, value in values.items() if getattr(offering, field) != value}
    if not changed:
        return offering
    old = {field: getattr(offering, field) for field in changed}
    for field, value in changed.items():
        setattr(offering, field, value)
    offering.save(update_fields=list(changed))
    audit_record(action="offering.updated", actor=actor, obj=offering, old=old, new=changed)
    return offering


def _whole(offering: Offering, data: dict) -> dict:
    """Stored limits are base units; express the ones not being changed in whole units."""
    return {f: offering.units(getattr(offering, f))
            for f in ("min_subscription", "max_subscription", "target", "hard_cap") if f not in data}


@storage.removes_files_on_failure
@transaction.atomic(durable=True)
def offering_document_add(*, offering: Offering, kind: str, upload, actor: User) -> OfferingDocument:
    offering = Offering.objects.select_for_update().select_related("security__issuer").get(pk=offering.pk)
    policy_ensure(actor, Action.OFFERING_DOCUMENT_ADD, organization_id=offering.security.issuer.organization_id)
    if kind not in OfferingDocument.Kind.values:
        raise invalid(_("Choose the offering memorandum or the subscription agreement."), field="kind",
                      code="invalid_choice")
    if offering.status != Offering.Status.DRAFT:
        raise ConflictError(_("Documents can be changed only while the offering is a draft."),
                            code="offering_not_draft")
    doc = OfferingDocument.objects.create(offering=offering, kind=kind, uploaded_by=actor,
                                          **storage.store(upload, folder=f"offerings/{offering.pk}"))
    audit_record(action="offering.document_added", actor=actor, obj=offering,
                 new={"document": doc.pk, "kind": kind, "sha256": doc.sha256})
    return doc


def deploy_payload(security: Security) -> TokenDeploy:
    """The token.deploy payload (core/outbox_payloads.py): countries as an ISO numeric allowlist; a
    blocklist without an allowlist becomes 'every country but these'."""
    allowed = security.allowed_countries
    if not allowed and security.blocked_countries:
        allowed = [code for code, _name in countries.choices() if code not in security.blocked_countries]
    allowed = [c for c in allowed if c not in security.blocked_countries]
    return TokenDeploy(
        security_id=security.pk, name=security.name, symbol=security.symbol, decimals=security.decimals,
        rules=TokenRules(
            countries=tuple(sorted(countries.numeric(c) for c in allowed)),
            accredited_only=security.accredited_only, qualified_only=security.qualified_only,
            # the business day the lock-up ends on, as the instant the token checks against block time
            lockup_until=(calendar.timegm(calendar_date(security.lockup_until).timetuple())
                          if security.lockup_until else 0),
            max_holders=security.max_holders, max_investor_balance=int(security.max_holding),
        ),
    )


@transaction.atomic(durable=True)
def offering_publish(*, offering: Offering, actor: User, today: date | None = None) -> Offering:
    offering = Offering.objects.select_for_update().select_related("security__issuer").get(pk=offering.pk)
    security = Security.objects.select_for_update().get(pk=offering.security_id)
    policy_ensure(actor, Action.OFFERING_PUBLISH, organization_id=security.issuer.organization_id)
    today = today or business_today()
    if not security.issuer.is_approved:
        raise ConflictError(_("The issuer must be approved by compliance before publishing."),
                            code="issuer_not_approved")
    missing = [label for kind, label in OfferingDocument.Kind.choices if offering.document(kind) is None]
    if missing:
        raise ConflictError(_("Attach these documents first: %(docs)s.") % {"docs": ", ".join(str(m) for m in missing)},
                            code="documents_missing")
    if offering.closes_on <= today:
        raise ConflictError(_("The closing date has passed."), code="offering_closed")
    transition(offering, to=Offering.Status.PUBLISHED, actor=actor)
    Offering.objects.filter(pk=offering.pk).update(published_at=timezone.now())
    if security.deploy_requested_at is None:
        outbox_put(deploy_payload(security), idempotency_key=f"offering:{offering.pk}:deploy")
        Security.objects.filter(pk=security.pk).update(deploy_requested_at=timezone.now())
    offering.refresh_from_db()
    return offering


@transaction.atomic(durable=True)
def offering_close(*, offering: Offering, actor: User) -> Offering:
    offering = Offering.objects.select_for_update().select_related("security__issuer").get(pk=offering.pk)
    policy_ensure(actor, Action.OFFERING_CLOSE, organization_id=offering.security.issuer.organization_id)
    return transition(offering, to=Offering.Status.CLOSED, actor=actor)


@transaction.atomic(durable=True)
def offering_cancel(*, offering: Offering, reason: str, actor: User) -> Offering:
    offering = Offering.objects.select_for_update().select_related("security__issuer").get(pk=offering.pk)
    policy_ensure(actor, Action.OFFERING_CANCEL, organization_id=offering.security.issuer.organization_id)
    reason = required(reason, field="reason", label=_("Reason"))
    if offering.subscriptions.filter(status=Subscription.Status.READY_TO_SETTLE).exists():
        raise ConflictError(_("Subscriptions are ready to settle; reject them first."), code="subscriptions_ready")
    if offering.subscriptions.filter(status=Subscription.Status.SETTLED).exists():
        raise ConflictError(
            _("Tokens were already issued for this offering; it can be closed, not cancelled."),
            code="subscriptions_settled",
        )
    transition(offering, to=Offering.Status.CANCELLED, actor=actor, reason=reason)
    open_states = [s for s in Subscription.ACTIVE if s != Subscription.Status.SETTLED]
    for sub in offering.subscriptions.select_for_update().filter(status__in=open_states).order_by("pk"):
        previous = sub.status
        transition(sub, to=Subscription.Status.REJECTED, actor=actor, reason=reason)
        Subscription.objects.filter(pk=sub.pk).update(rejection_reason=reason, decided_at=timezone.now(),
                                                      decided_by=actor)
        subscription_changed(sub, previous=previous)
    return offering
