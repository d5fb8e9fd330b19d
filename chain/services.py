"""Writes of the chain app: deploying the platform's shared contracts, an operator's retry,
resolving a break, reconciling on demand."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.policy import Action, policy_ensure
from core.audit import audit_record
from core.errors import ApplicationError, ConflictError
from core.lifecycle import transition
from core.models import OutboxEntry

from .calls import SERVICING_KINDS, SETTLEMENT_KINDS
from .models import Break, ChainTransaction, DeployedContract, Reconciliation
from .port import ChainBackend
from .retries import DEAD_LETTER, error_code

REGISTRY = "InvestorRegistry"
SETTLEMENT = "Settlement"


def registry_deploy(*, backend: ChainBackend, actor=None, force: bool = False) -> tuple[DeployedContract, bool]:
    """Deploy the platform's shared contracts (the investor registry, then the Settlement
    contract tokens are deployed with) unless this chain already has ours; see
    :func:`shared_contracts_deploy`. Returns the registry's (contract, deployed_now)."""
    return shared_contracts_deploy(backend=backend, actor=actor, force=force)[0]


def shared_contracts_deploy(*, backend: ChainBackend, actor=None,
                            force: bool = False) -> list[tuple[DeployedContract, bool]]:
    """Deploy each shared contract (InvestorRegistry, Settlement) that this chain lacks.

    The network call happens outside any transaction; the record and its audit event are
    written together afterwards. A recorded address without code (a node restarted without
    its state) counts as missing. Returns (contract, deployed_now) per contract, in order."""
    chain_id = backend.chain_id()
    return [
        _shared_deploy(backend=backend, chain_id=chain_id, name=REGISTRY, deploy=backend.deploy_registry,
                       action="chain.registry_deployed", actor=actor, force=force),
        _shared_deploy(backend=backend, chain_id=chain_id, name=SETTLEMENT, deploy=backend.deploy_settlement,
                       action="chain.settlement_deployed", actor=actor, force=force),
    ]


def _shared_deploy(*, backend: ChainBackend, chain_id: int, name: str, deploy, action: str, actor,
                   force: bool) -> tuple[DeployedContract, bool]:
    current = DeployedContract.objects.filter(name=name, chain_id=chain_id).first()
    if current is not None and not force and backend.has_code(current.address):
        return current, False
    deployed = deploy()
    with transaction.atomic(durable=True):
        old = {"address": current.address} if current else {}
        contract, _ = DeployedContract.objects.update_or_create(
            name=name, chain_id=chain_id, defaults={"address": deployed.address, "tx_hash": deployed.tx_hash}
        )
        audit_record(action=action, actor=actor, obj=contract, old=old,
                     new={"address": deployed.address, "tx_hash": deployed.tx_hash, "chain_id": chain_id})
    return contract, True


@transaction.atomic(durable=True)
def outbox_retry(*, entry: OutboxEntry, actor) -> OutboxEntry:
    """An operator sends a failed action (dead letter or refused call) again: it goes back to
    PENDING with its attempts reset, and the relay resumes at its first unconfirmed step. A
    settlement (a payment batch) is retried only from the dead letter: one the chain refused
    was failed in the register (by the paying agent) too (its holds released, chain/outcomes.py),
    so it must never be sent again."""
    policy_ensure(actor, Action.CHAIN_OUTBOX_RETRY)
    entry = OutboxEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status != OutboxEntry.Status.FAILED:
        raise ConflictError(_("Only a failed action can be retried."), code="invalid_transition")
    if entry.kind in SETTLEMENT_KINDS and error_code(entry.last_error) != DEAD_LETTER:
        raise ConflictError(_("The chain refused this settlement and the register failed it; it cannot be "
                              "sent again."), code="settlement_decided")
    if entry.kind in SERVICING_KINDS and error_code(entry.last_error) != DEAD_LETTER:
        raise ConflictError(_("The chain refused this payment batch and the paying agent failed it; the next "
                              "payment run sends its lines in a new batch."), code="payment_decided")
    live = ChainTransaction.objects.filter(status__in=ChainTransaction.LIVE)
    if live.filter(entry=entry).exists() or live.filter(links__entry=entry).exists():
        raise ConflictError(_("This action still has a transaction in flight."), code="in_flight")
    previous = entry.last_error
    OutboxEntry.objects.filter(pk=entry.pk).update(attempts=0, available_at=timezone.now(), last_error="",
                                                   updated_at=timezone.now())
    transition(entry, to=OutboxEntry.Status.PENDING, actor=actor, reason="operator retry")
    audit_record(action="chain.outbox_retried", actor=actor, obj=entry,
                 old={"last_error": previous, "attempts": entry.attempts}, new={"status": "pending"})
    entry.refresh_from_db()
    return entry


@transaction.atomic(durable=True)
def break_resolve(*, brk: Break, reason: str, actor) -> Break:
    """Close a break with the reason (what was found, what was done about it). Operators and
    compliance officers only; the register is not changed here (a fix is its own action)."""
    policy_ensure(actor, Action.CHAIN_BREAK_RESOLVE)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why the break is resolved."), code="reason_required",
                               fields={"reason": [_("This field is required.")]})
    brk = Break.objects.select_for_update().get(pk=brk.pk)
    transition(brk, to=Break.Status.RESOLVED, actor=actor, reason=reason)
    now = timezone.now()
    Break.objects.filter(pk=brk.pk).update(resolved_at=now, resolved_by=actor, resolution=reason)
    brk.refresh_from_db()
    return brk


def reconcile_now(*, actor, backend=None) -> Reconciliation:
    """An operator (or compliance officer) runs the reconciler now. The chain is read
    outside any transaction; each write is its own short transaction (chain/reconciler.py)."""
    policy_ensure(actor, Action.CHAIN_RECONCILE)
    from .reconciler import reconcile_run

    return reconcile_run(backend=backend, actor=actor)
