"""Forced transfers and wallet recoveries: asked for by one compliance officer, carried out
when a different officer approves (four eyes). Reason required on both sides."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.policy import Action, policy_ensure
from compliance.selectors import investor_facts_for
from core.audit import audit_record
from core.clock import business_today
from core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from core.lifecycle import transition
from issuance.models import Security

from ..models import ComplianceRequest, Position, TokenAction
from .actions import action_record
from .locks import book_lock, positions_lock
from .transfers import move
from .validation import clean_address, clean_amount, clean_reason, wallet_owner


def _receiver_ok(user: User | None, address: str) -> None:
    """Forced transfers and recoveries need an active, KYC-valid recipient (as on chain)."""
    if user is None:
        raise ApplicationError(_("The recipient's wallet is not registered."), code="to_not_registered")
    facts = investor_facts_for(user=user, wallet=address)
    if not facts.wallet_registered:
        raise ApplicationError(_("The recipient's wallet is not registered."), code="to_not_registered")
    if not facts.kyc_approved:
        raise ApplicationError(_("The investor's KYC is not approved."), code="kyc_not_approved")
    if facts.kyc_expires_on is not None and facts.kyc_expires_on < business_today():
        raise ApplicationError(_("The recipient's KYC has expired."), code="to_kyc_expired")


def _validate(kind: str, security: Security, from_address: str, to_address: str, amount: int) -> None:
    if from_address == to_address:
        raise ApplicationError(_("The sender and the recipient wallet are the same."), code="same_wallet")
    position = Position.objects.filter(security=security, wallet=from_address).first()
    if position is None or int(position.balance) == 0:
        raise ApplicationError(_("This wallet holds no tokens of this security."), code="no_position")
    _a, to_user = wallet_owner(to_address)
    _receiver_ok(to_user, to_address)
    if kind == ComplianceRequest.Kind.FORCED_TRANSFER and amount > int(position.balance):
        raise ApplicationError(_("The amount exceeds the wallet's balance."), code="insufficient_balance",
                               fields={"amount": [_("The amount exceeds the wallet's balance.")]})
    if kind == ComplianceRequest.Kind.RECOVER and to_user.pk != position.investor_id:
        raise ApplicationError(_("A recovery must go to another wallet of the same investor."),
                               code="recovery_other_investor")


@transaction.atomic(durable=True)
def _request(*, kind: str, security: Security, from_wallet: str, to_wallet: str, amount: int, reason: str,
             actor: User) -> ComplianceRequest:
    policy_ensure(actor, Action.FORCED_TRANSFER_REQUEST, cash_token=security.kind == Security.Kind.CASH)
    reason = clean_reason(reason)
    from_address = clean_address(from_wallet, field="from_wallet")
    to_address = clean_address(to_wallet, field="to_wallet")
    _validate(kind, security, from_address, to_address, amount)
    request = ComplianceRequest.objects.create(kind=kind, security=security, from_wallet=from_address,
                                               to_wallet=to_address, amount=amount, reason=reason, requested_by=actor)
    audit_record(action=f"ledger.{kind}_requested", actor=actor, obj=request,
                 new={"from": from_address, "to": to_address, "amount": str(amount), "reason": reason})
    return request


def forced_transfer_request(*, security: Security, from_wallet: str, to_wallet: str, amount: object, reason: str,
                            actor: User) -> ComplianceRequest:
    """Ask for a forced transfer (e.g. a court order); a second officer must approve it."""
    reason = clean_reason(reason)
    return _request(kind=ComplianceRequest.Kind.FORCED_TRANSFER, security=security, from_wallet=from_wallet,
                    to_wallet=to_wallet, amount=clean_amount(amount), reason=reason, actor=actor)


def wallet_recovery_request(*, security: Security, lost_wallet: str, new_wallet: str, reason: str,
                            actor: User) -> ComplianceRequest:
    """Ask to move a lost wallet's whole position to another wallet of the same investor."""
    reason = clean_reason(reason)
    return _request(kind=ComplianceRequest.Kind.RECOVER, security=security, from_wallet=lost_wallet,
                    to_wallet=new_wallet, amount=0, reason=reason, actor=actor)


def _locked_pending(request: ComplianceRequest, actor: User) -> ComplianceRequest:
    policy_ensure(actor, Action.FORCED_TRANSFER_DECIDE)
    request = (ComplianceRequest.objects.select_for_update().select_related("security__issuer")
               .filter(pk=request.pk).first())
    if request is None:
        raise NotFoundError(_("Not found."), code="not_found")
    policy_ensure(actor, Action.FORCED_TRANSFER_DECIDE, cash_token=request.security.kind == Security.Kind.CASH)
    if request.status != ComplianceRequest.Status.PENDING:
        raise ApplicationError(_("This request has already been decided."), code="already_decided")
    if request.requested_by_id == actor.pk:
        raise PermissionDeniedError(_("A different compliance officer must approve this request (four eyes)."),
                                    code="four_eyes")
    return request


@transaction.atomic(durable=True)
def compliance_request_approve(*, request: ComplianceRequest, actor: User, reason: str = "") -> TokenAction:
    """The second officer approves: the forced transfer or recovery is carried out now."""
    request = _locked_pending(request, actor)
    security = request.security
    book_lock(security, share=True)
    _validate(request.kind, security, request.from_wallet, request.to_wallet, int(request.amount))
    _a, to_user = wallet_owner(request.to_wallet)
    locked = positions_lock(security, [(request.from_wallet, None), (request.to_wallet, to_user)])
    sender, receiver = locked[request.from_wallet], locked[request.to_wallet]
    cause = f"compliance_request:{request.pk}"
    if request.kind == ComplianceRequest.Kind.FORCED_TRANSFER:
        amount = int(request.amount)
        action = action_record(kind=TokenAction.Kind.FORCED_TRANSFER, security=security, actor=actor,
                               reason=request.reason, cause=cause, from_investor=sender.investor,
                               from_wallet=sender.wallet, to_investor=to_user, to_wallet=receiver.wallet, amount=amount)
        move(sender, receiver, amount, eat_frozen=True)
    else:
        amount, frozen = int(sender.balance), int(sender.frozen)
        action = action_record(kind=TokenAction.Kind.RECOVER, security=security, actor=actor, reason=request.reason,
                               cause=cause, from_investor=sender.investor, from_wallet=sender.wallet,
                               to_investor=to_user, to_wallet=receiver.wallet, amount=amount)
        sender.frozen = 0
        move(sender, receiver, amount)
        receiver.frozen = int(receiver.frozen) + frozen
        receiver.save(update_fields=["frozen", "updated_at"])
    transition(request, to=ComplianceRequest.Status.EXECUTED, actor=actor, reason=reason)
    ComplianceRequest.objects.filter(pk=request.pk).update(decided_by=actor, decided_at=timezone.now(),
                                                           decision_reason=(reason or "").strip(), action=action)
    return action


@transaction.atomic(durable=True)
def compliance_request_reject(*, request: ComplianceRequest, actor: User, reason: str) -> ComplianceRequest:
    reason = clean_reason(reason)
    request = _locked_pending(request, actor)
    transition(request, to=ComplianceRequest.Status.REJECTED, actor=actor, reason=reason)
    ComplianceRequest.objects.filter(pk=request.pk).update(decided_by=actor, decided_at=timezone.now(),
                                                           decision_reason=reason)
    request.refresh_from_db()
    return request
