"""Issuer onboarding (KYB): the issuer admin saves and submits the application; compliance
approves or rejects it with a reason."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from accounts.policy import Action, policy_ensure
from core import countries
from core.audit import audit_record
from core.errors import ApplicationError, ConflictError, ErrorCollector
from core.lifecycle import transition
from notifications import hooks

from .. import storage
from ..models import Issuer, IssuerDocument
from ..treasury import treasury_open
from ._common import invalid, required

FIELDS = ("legal_name", "registration_number", "jurisdiction", "address", "representatives")


def _jurisdiction(value) -> str:
    try:
        return countries.normalize(required(value, field="jurisdiction", label=_("Jurisdiction")))
    except ApplicationError as exc:
        raise invalid(exc.message, field="jurisdiction", code=exc.code) from None


@transaction.atomic(durable=True)
def issuer_save(
    *, organization: Organization, legal_name: str, registration_number: str, jurisdiction: str,
    address: str, representatives: str, actor: User,
) -> Issuer:
    """Create or edit the organization's application (draft or rejected only)."""
    policy_ensure(actor, Action.ISSUER_APPLY, organization_id=organization.pk)
    errors = ErrorCollector()  # every missing field at once
    values = {
        "legal_name": errors.check(required, legal_name, field="legal_name", label=_("Legal name")),
        "registration_number": errors.check(required, registration_number, field="registration_number",
                                            label=_("Registration number")),
        "jurisdiction": errors.check(_jurisdiction, jurisdiction),
        "address": errors.check(required, address, field="address", label=_("Registered address")),
        "representatives": errors.check(required, representatives, field="representatives",
                                        label=_("Representatives")),
    }
    errors.raise_any()
    issuer = Issuer.objects.select_for_update().filter(organization=organization).first()
    if issuer is None:
        issuer = Issuer.objects.create(organization=organization, **values)
        audit_record(action="issuer.created", actor=actor, obj=issuer, new=values)
        return issuer
    if issuer.status not in (Issuer.Status.DRAFT, Issuer.Status.REJECTED):
        raise ConflictError(_("A submitted or approved application cannot be edited."), code="issuer_locked")
    old = {f: getattr(issuer, f) for f in FIELDS}
    for field, value in values.items():
        setattr(issuer, field, value)
    issuer.save(update_fields=list(values))
    audit_record(action="issuer.updated", actor=actor, obj=issuer, old=old, new=values)
    return issuer


@storage.removes_files_on_failure
@transaction.atomic(durable=True)
def issuer_document_add(*, issuer: Issuer, title: str, upload, actor: User) -> IssuerDocument:
    issuer = Issuer.objects.select_for_update().get(pk=issuer.pk)
    policy_ensure(actor, Action.ISSUER_APPLY, organization_id=issuer.organization_id)
    if issuer.status not in (Issuer.Status.DRAFT, Issuer.Status.REJECTED):
        raise ConflictError(_("Documents can be added only before the application is submitted."), code="issuer_locked")
    title = required(title, field="title", label=_("Title"))
    longest = IssuerDocument._meta.get_field("title").max_length
    if len(title) > longest:
        raise invalid(_("The title can be at most %(n)d characters.") % {"n": longest}, field="title",
                      code="title_too_long")
    doc = IssuerDocument.objects.create(issuer=issuer, title=title, uploaded_by=actor,
                                        **storage.store(upload, folder=f"issuers/{issuer.pk}"))
    audit_record(action="issuer.document_added", actor=actor, obj=issuer,
                 new={"document": doc.pk, "title": title, "sha256": doc.sha256})
    return doc


@transaction.atomic(durable=True)
def issuer_submit(*, issuer: Issuer, actor: User) -> Issuer:
    issuer = Issuer.objects.select_for_update().get(pk=issuer.pk)
    policy_ensure(actor, Action.ISSUER_APPLY, organization_id=issuer.organization_id)
    if not issuer.documents.exists():
        raise invalid(_("Add at least one KYB document before submitting."), code="kyb_documents_missing")
    transition(issuer, to=Issuer.Status.SUBMITTED, actor=actor)
    now = timezone.now()
    Issuer.objects.filter(pk=issuer.pk).update(submitted_at=now, decision_reason="")
    hooks.issuer_submitted(issuer, at=now)
    return issuer


@transaction.atomic(durable=True)
def issuer_approve(*, issuer: Issuer, actor: User) -> Issuer:
    """Compliance approves a submitted application (staff pages require 2FA)."""
    policy_ensure(actor, Action.ISSUER_DECIDE)
    issuer = Issuer.objects.select_for_update().get(pk=issuer.pk)
    transition(issuer, to=Issuer.Status.APPROVED, actor=actor)
    now = timezone.now()
    Issuer.objects.filter(pk=issuer.pk).update(decided_at=now, decided_by=actor, decision_reason="")
    hooks.issuer_decided(issuer, outcome="approved", at=now)
    treasury_open(issuer=issuer, actor=actor)   # its treasury wallet, registered on chain
    issuer.refresh_from_db()
    return issuer


@transaction.atomic(durable=True)
def issuer_reject(*, issuer: Issuer, reason: str, actor: User) -> Issuer:
    policy_ensure(actor, Action.ISSUER_DECIDE)
    reason = required(reason, field="reason", label=_("Reason"))
    issuer = Issuer.objects.select_for_update().get(pk=issuer.pk)
    transition(issuer, to=Issuer.Status.REJECTED, actor=actor, reason=reason)
    now = timezone.now()
    Issuer.objects.filter(pk=issuer.pk).update(decided_at=now, decided_by=actor, decision_reason=reason)
    hooks.issuer_decided(issuer, outcome="rejected", reason=reason, at=now)
    issuer.refresh_from_db()
    return issuer
