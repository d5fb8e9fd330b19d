"""Writes for compliance: KYC submission (with sanctions screening), the review desk's
decisions (with four eyes for high-risk cases), KYC expiry and the sanctions list.

Every decision moves the review and the investor's profile through their state machines,
records the audit events, and writes what the on-chain registry must mirror to the outbox,
all in one transaction.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import access_deny, desk_ensure, investor_self_ensure
from accounts.models import User
from accounts.policy import Action
from core.audit import audit_record
from core.clock import business_today
from core.errors import ApplicationError, ConflictError
from core.lifecycle import transition
from investors import registry
from investors.models import InvestorProfile
from investors.selectors import missing_items
from investors.services import profile_get_or_create
from notifications import hooks

from . import events, sanctions
from .models import KycReview, SanctionsEntry

Status = KycReview.Status
Kyc = InvestorProfile.KycStatus
REASON_MAX = 500


# -- screening --------------------------------------------------------------------------

def _screen(profile: InvestorProfile) -> tuple[list[dict], list[str]]:
    """(sanctions matches, risk reasons) for the profile as it is now."""
    entries = [
        sanctions.Candidate(e.pk, e.list_id, e.name, e.normalized_name, e.birth_year)
        for e in SanctionsEntry.objects.all()
    ]
    birth_year = profile.birth_date.year if profile.birth_date else None
    found = sanctions.matches(name=profile.legal_name, birth_year=birth_year, entries=entries)
    reasons = []
    if found:
        reasons.append("sanctions_match")
    flagged = set(settings.COMPLIANCE_HIGH_RISK_COUNTRIES)
    for field in ("nationality", "residence_country"):
        if getattr(profile, field) in flagged:
            reasons.append(f"flagged_country:{getattr(profile, field)}")
    return found, reasons


def _apply_screening(review: KycReview, profile: InvestorProfile) -> None:
    found, reasons = _screen(profile)
    review.sanctions_matches = found
    review.risk_reasons = reasons
    review.risk = KycReview.Risk.HIGH if reasons else KycReview.Risk.NORMAL
    review.country = profile.residence_country


# -- investor side ----------------------------------------------------------------------

def kyc_submit(*, user: User, actor: User) -> KycReview:
    """Send the investor's complete profile to the review queue, screened against the
    sanctions list. Incomplete profiles are refused with the list of what is missing."""
    investor_self_ensure(actor, user=user)
    with transaction.atomic(durable=True):
        profile = profile_get_or_create(user=user)
        missing = missing_items(profile)
        if missing:
            raise ApplicationError(
                _("Your profile is not complete. Missing: %(items)s") % {"items": ", ".join(str(m) for m in missing)},
                code="profile_incomplete", fields={"missing": [str(m) for m in missing]},
            )
        if profile.kyc_status not in (Kyc.DRAFT, Kyc.MORE_INFO, Kyc.REJECTED):
            raise ConflictError(_("Your profile is already in review or verified."), code="already_submitted")
        review = KycReview(profile=profile)
        _apply_screening(review, profile)
        review.save()
        audit_record(
            action="kyc_review.submitted", actor=actor, obj=review,
            new={"risk": review.risk, "risk_reasons": review.risk_reasons,
                 "sanctions_matches": [m["list_id"] for m in review.sanctions_matches]},
        )
        profile.kyc_message = ""
        profile.save(update_fields=["kyc_message", "updated_at"])
        transition(profile, to=Kyc.SUBMITTED, actor=actor, field="kyc_status")
    return review


# -- officer side -----------------------------------------------------------------------

def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        message = _("Give a reason.")
        raise ApplicationError(message, code="reason_required", fields={"reason": [message]})
    return reason[:REASON_MAX]


def _clean_expiry(value: object) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value))
        except ValueError:
            message = _("Enter a valid date (YYYY-MM-DD).")
            raise ApplicationError(message, code="invalid_expiry", fields={"expires_on": [message]})
    if value <= business_today():
        message = _("The expiry must be in the future.")
        raise ApplicationError(message, code="invalid_expiry", fields={"expires_on": [message]})
    return value


def _locked_open_review(review_id: int) -> tuple[KycReview, InvestorProfile]:
    review = KycReview.objects.select_for_update().get(pk=review_id)
    profile = InvestorProfile.objects.select_for_update().get(pk=review.profile_id)
    if review.status not in KycReview.OPEN:
        raise ConflictError(_("This review is already closed."), code="review_closed")
    return review, profile


def _officer_precheck(review_id: int, actor: User) -> None:
    """The KYC desk is for compliance officers (403 for anyone else, before the review is
    read); an officer asking for a review that does not exist gets 404 (accounts.access)."""
    desk_ensure(actor, Action.KYC_DECIDE, object_type="compliance.kycreview", object_id=review_id)
    if not KycReview.objects.filter(pk=review_id).exists():
        access_deny(actor, object_type="compliance.kycreview", object_id=review_id, message=_("No such review."))


def review_open(*, review_id: int, actor: User) -> KycReview:
    """The detail page: personal data is shown, so the view is audited."""
    _officer_precheck(review_id, actor)
    with transaction.atomic(durable=True):
        review = KycReview.objects.select_related("profile__user").get(pk=review_id)
        audit_record(action="kyc_review.viewed", actor=actor, obj=review)
    return review


def review_clear_sanctions(*, review_id: int, reason: str, actor: User) -> KycReview:
    """An officer decides the sanctions match is a false positive (the case stays high-risk,
    so it still needs two approvals)."""
    _officer_precheck(review_id, actor)
    reason = _clean_reason(reason)
    with transaction.atomic(durable=True):
        review, _profile = _locked_open_review(review_id)
        if not review.sanctions_matches:
            raise ConflictError(_("This review has no sanctions match to clear."), code="no_sanctions_match")
        if review.sanctions_cleared_by_id:
            raise ConflictError(_("The sanctions match was already cleared."), code="sanctions_already_cleared")
        review.sanctions_cleared_by = actor
        review.sanctions_cleared_reason = reason
        review.save(update_fields=["sanctions_cleared_by", "sanctions_cleared_reason"])
        audit_record(action="kyc_review.sanctions_cleared", actor=actor, obj=review,
                     new={"reason": reason, "matches": [m["list_id"] for m in review.sanctions_matches]})
    return review


def review_approve(*, review_id: int, reason: str, actor: User, expires_on: object = None) -> KycReview:
    """Approve a KYC review. High-risk cases need two different officers: the first
    approval parks the review in AWAITING_SECOND, the second makes the investor verified.
    A sanctions match must be cleared first."""
    _officer_precheck(review_id, actor)
    reason = _clean_reason(reason)
    expires_on = _clean_expiry(expires_on)
    with transaction.atomic(durable=True):
        review, profile = _locked_open_review(review_id)
        if review.sanctions_blocking:
            raise ApplicationError(_("Clear the sanctions match before approving."), code="sanctions_uncleared")
        if review.needs_four_eyes and review.status == Status.PENDING:
            review.first_approved_by = actor
            review.first_approved_at = timezone.now()
            review.first_approval_reason = reason
            review.first_expires_on = expires_on
            review.save(update_fields=["first_approved_by", "first_approved_at", "first_approval_reason",
                                       "first_expires_on"])
            transition(review, to=Status.AWAITING_SECOND, actor=actor, reason=reason)
            return review
        if review.status == Status.AWAITING_SECOND and review.first_approved_by_id == actor.pk:
            raise ApplicationError(
                _("Four eyes: a second officer must give the second approval."), code="four_eyes_same_officer",
            )
        expires_on = expires_on or review.first_expires_on or (
            business_today() + timedelta(days=settings.KYC_DEFAULT_VALIDITY_DAYS)
        )
        review.decided_by, review.decided_at = actor, timezone.now()
        review.decision_reason, review.expires_on = reason, expires_on
        review.save(update_fields=["decided_by", "decided_at", "decision_reason", "expires_on"])
        transition(review, to=Status.APPROVED, actor=actor, reason=reason)
        profile.kyc_expires_on = expires_on
        profile.kyc_message = ""
        profile.save(update_fields=["kyc_expires_on", "kyc_message", "updated_at"])
        transition(profile, to=Kyc.APPROVED, actor=actor, reason=reason, field="kyc_status")
        registry.update_investor(profile=profile, cause=f"kyc:{review.pk}:approve")
        hooks.kyc_decided(review, investor_id=profile.user_id, outcome="approved")
        events.kyc_decided(review, investor_id=profile.user_id, outcome="approved")
    return review


def _close(review_id: int, reason: str, actor: User, *, review_to: str, profile_to: str, cause: str) -> KycReview:
    _officer_precheck(review_id, actor)
    reason = _clean_reason(reason)
    with transaction.atomic(durable=True):
        review, profile = _locked_open_review(review_id)
        review.decided_by, review.decided_at, review.decision_reason = actor, timezone.now(), reason
        review.save(update_fields=["decided_by", "decided_at", "decision_reason"])
        transition(review, to=review_to, actor=actor, reason=reason)
        profile.kyc_message = reason
        profile.save(update_fields=["kyc_message", "updated_at"])
        transition(profile, to=profile_to, actor=actor, reason=reason, field="kyc_status")
        registry.update_investor(profile=profile, cause=f"kyc:{review.pk}:{cause}")
        if review_to == Status.MORE_INFO:
            hooks.kyc_more_info(review, investor_id=profile.user_id, reason=reason)
        else:
            hooks.kyc_decided(review, investor_id=profile.user_id, outcome="rejected", reason=reason)
            events.kyc_decided(review, investor_id=profile.user_id, outcome="rejected")
    return review


def review_reject(*, review_id: int, reason: str, actor: User) -> KycReview:
    return _close(review_id, reason, actor, review_to=Status.REJECTED, profile_to=Kyc.REJECTED, cause="reject")


def review_request_info(*, review_id: int, reason: str, actor: User) -> KycReview:
    """Send the case back to the investor with what is needed (shown on their page)."""
    return _close(review_id, reason, actor, review_to=Status.MORE_INFO, profile_to=Kyc.MORE_INFO, cause="more_info")


# -- expiry -----------------------------------------------------------------------------

def kyc_expire_due(*, today: date | None = None) -> int:
    """Move every approved investor whose KYC expired before `today` back to review
    (a new review in the queue, screened again) and tell the registry. One transaction per
    investor, so one failure does not hold back the others; safe to run repeatedly."""
    today = today or business_today()
    due = list(
        InvestorProfile.objects.filter(kyc_status=Kyc.APPROVED, kyc_expires_on__lt=today).values_list("pk", flat=True)
    )
    done = 0
    for pk in due:
        with transaction.atomic(durable=True):
            profile = InvestorProfile.objects.select_for_update().get(pk=pk)
            if profile.kyc_status != Kyc.APPROVED or not profile.kyc_expires_on or profile.kyc_expires_on >= today:
                continue
            expired_on = profile.kyc_expires_on
            profile.kyc_message = (_("Your verification expired on %(date)s and is being reviewed again.")
                                   % {"date": expired_on.isoformat()})
            profile.save(update_fields=["kyc_message", "updated_at"])
            transition(profile, to=Kyc.EXPIRED, actor=None, reason="kyc expired", field="kyc_status")
            review = KycReview(profile=profile, trigger=KycReview.Trigger.EXPIRY)
            _apply_screening(review, profile)
            review.save()
            audit_record(action="kyc_review.opened_on_expiry", obj=review,
                         new={"expired_on": expired_on, "risk": review.risk})
            registry.update_investor(profile=profile, cause=f"kyc:{profile.pk}:expire:{expired_on.isoformat()}")
            done += 1
    return done


# -- sanctions list ---------------------------------------------------------------------

def sanctions_list_load(*, text: str, source: str, actor: User | None = None) -> int:
    """Replace the sanctions list with the CSV `text`. A malformed file changes nothing."""
    try:
        rows = sanctions.parse_csv(text)
    except ValueError as exc:
        raise ApplicationError(f"Sanctions list refused: {exc}", code="invalid_sanctions_list") from exc
    if not rows:
        raise ApplicationError("Sanctions list refused: no entries", code="invalid_sanctions_list")
    with transaction.atomic(durable=True):
        previous = SanctionsEntry.objects.count()
        SanctionsEntry.objects.all().delete()
        SanctionsEntry.objects.bulk_create(SanctionsEntry(source=source[:200], **row) for row in rows)
        audit_record(
            action="sanctions_list.loaded", actor=actor, object_type="compliance.sanctionsentry",
            new={"source": source, "entries": len(rows), "previous": previous,
                 "sha256": hashlib.sha256(text.encode()).hexdigest()},
        )
    return len(rows)
