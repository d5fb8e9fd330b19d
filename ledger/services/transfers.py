"""Moving tokens between wallets: issuer-initiated transfers, investors' transfer requests,
and transfers first seen on chain (recorded by chain/'s indexer)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.policy import Action, policy_ensure
from compliance import rules
from core.audit import audit_record
from core.clock import business_today
from core.errors import ApplicationError, NotFoundError
from issuance.models import Security

from ..facts import facts_for, holding_for, rules_for
from ..models import Position, TokenAction, TransferRequest
from .access import client_key_for
from .actions import action_record, duplicate_key, existing_action, run_idempotent
from .client_keys import client_key_stored
from .locks import book_lock, position_save, positions_lock
from .validation import clean_address, clean_amount, clean_reason, redeeming_refuse, refuse, wallet_owner


def _unknown(address: str) -> ApplicationError:
    return ApplicationError(
        _("Wallet %(wallet)s is not in the register.") % {"wallet": address}, code="unknown_wallet",
        fields={"wallet": [address]},
    )


def _lock_pair(security: Security, from_address: str, to_address: str,
               to_user: User | None) -> tuple[Position | None, Position | None]:
    if from_address == to_address:
        raise ApplicationError(_("The sender and the recipient wallet are the same."), code="same_wallet")
    locked = positions_lock(security, [(from_address, None), (to_address, to_user)])
    return locked.get(from_address), locked.get(to_address)


def move(sender: Position, receiver: Position, amount: int, *, eat_frozen: bool = False) -> None:
    """Debit and credit two locked positions. With eat_frozen (forced transfer, recovery),
    frozen tokens are unfrozen as needed, as the contract does."""
    sender.balance = int(sender.balance) - amount
    if eat_frozen and int(sender.frozen) > int(sender.balance):
        sender.frozen = sender.balance
    receiver.balance = int(receiver.balance) + amount
    position_save(sender)
    position_save(receiver)


def checked_transfer(*, security: Security, from_wallet: str, to_wallet: str, amount: object, actor: User | None,
                     reason: str, cause: str, idempotency_key: str | None,
                     sender_must_be: User | None = None) -> TokenAction:
    """A transfer the rule engine must allow (same checks and order as the contract).
    `idempotency_key`: the key as recorded (client_key_for), not as the client sent it."""
    from_address = clean_address(from_wallet, field="from_wallet")
    to_address = clean_address(to_wallet, field="to_wallet")
    amount = clean_amount(amount)
    found = existing_action(idempotency_key, kind=TokenAction.Kind.TRANSFER, security_id=security.pk,
                            from_wallet=from_address, to_wallet=to_address, amount=amount, reason=reason)
    if found is not None:
        return found
    redeeming_refuse(security)
    _addr, to_user = wallet_owner(to_address)
    book = book_lock(security, share=True)
    sender, receiver = _lock_pair(security, from_address, to_address, to_user)
    if sender is None or (sender_must_be is not None and sender.investor_id != sender_must_be.pk):
        raise NotFoundError(_("You hold no tokens of this security in that wallet."), code="no_position")
    if to_user is None:
        raise refuse(rules.Verdict(False, rules.Code.TO_NOT_REGISTERED, (rules.Code.TO_NOT_REGISTERED,)))
    verdict = rules.check_transfer(
        sender=facts_for(sender.investor, from_address, sender), receiver=facts_for(to_user, to_address, receiver),
        rules=rules_for(security, book, sender), sender_holding=holding_for(security, sender.investor, sender),
        receiver_holding=holding_for(security, to_user, receiver), amount=amount, today=business_today(),
    )
    if not verdict.allowed:
        raise refuse(verdict)
    action = action_record(
        kind=TokenAction.Kind.TRANSFER, security=security, actor=actor, idempotency_key=idempotency_key,
        reason=reason, cause=cause, from_investor=sender.investor, from_wallet=from_address, to_investor=to_user,
        to_wallet=to_address, amount=amount,
    )
    move(sender, receiver, amount)
    return action


@transaction.atomic(durable=True)
def _tokens_transfer(*, security: Security, from_wallet: str, to_wallet: str, amount: object, actor: User,
                     reason: str, idempotency_key: str | None) -> TokenAction:
    security = Security.objects.select_related("issuer").get(pk=security.pk)
    policy_ensure(actor, Action.TOKENS_TRANSFER, organization_id=security.issuer.organization_id)
    return checked_transfer(security=security, from_wallet=from_wallet, to_wallet=to_wallet, amount=amount,
                            actor=actor, reason=clean_reason(reason, required=False), cause="issuer",
                            idempotency_key=client_key_for(idempotency_key, actor=actor, security=security))


def tokens_transfer(*, security: Security, from_wallet: str, to_wallet: str, amount: object, actor: User,
                    reason: str = "", idempotency_key: str | None = None) -> TokenAction:
    """An issuer-initiated transfer between two registered wallets (issuer admin), under
    the same rules as an investor's own transfer. `idempotency_key`: the client's own key,
    recorded in its namespace (client_key_for); see tokens_issue."""
    return run_idempotent(_tokens_transfer, security=security, from_wallet=from_wallet,
                          to_wallet=to_wallet, amount=amount, actor=actor, reason=reason,
                          idempotency_key=idempotency_key)


@transaction.atomic(durable=True)
def _transfer_request_create(*, security: Security, from_wallet: str, to_wallet: str, amount: object, actor: User,
                             idempotency_key: str | None) -> TransferRequest:
    security = Security.objects.select_related("issuer").get(pk=security.pk)
    from_address = clean_address(from_wallet, field="from_wallet")
    to_address = clean_address(to_wallet, field="to_wallet")
    value = clean_amount(amount)
    # The investor acts for themself: their key lives in their own namespace.
    key = client_key_stored(idempotency_key, actor=actor, organization_id=None)
    found = existing_action(key, kind=TokenAction.Kind.TRANSFER, security_id=security.pk, from_wallet=from_address,
                            to_wallet=to_address, amount=value)
    if found is not None:
        return TransferRequest.objects.get(action=found)
    request = TransferRequest.objects.create(security=security, investor=actor, from_wallet=from_address,
                                             to_wallet=to_address, amount=value)
    action = checked_transfer(security=security, from_wallet=from_address, to_wallet=to_address, amount=value,
                              actor=actor, reason="", cause=f"request:{request.pk}", idempotency_key=key,
                              sender_must_be=actor)
    TransferRequest.objects.filter(pk=request.pk).update(action=action)
    request.action = action
    audit_record(action="ledger.transfer_request", actor=actor, obj=request,
                 new={"action": action.pk, "amount": str(value)})
    return request


def transfer_request_create(*, security: Security, from_wallet: str, to_wallet: str, amount: object, actor: User,
                            idempotency_key: str | None = None) -> TransferRequest:
    """An investor moves tokens from one of their wallets. The rule engine decides at once:
    allowed -> executed (one TRANSFER action, cause "request:<id>"); refused -> the reason
    code and nothing written. `idempotency_key`: the investor's own key (client_key_clean),
    recorded in their own namespace: the same request under it returns the first one,
    another request is a 409 idempotency_conflict."""
    return run_idempotent(_transfer_request_create, security=security, from_wallet=from_wallet,
                          to_wallet=to_wallet, amount=amount, actor=actor, idempotency_key=idempotency_key)


# -- transfers first seen on chain --------------------------------------------------------------

@transaction.atomic(durable=True)
def _chain_transfer_record(*, security: Security, from_address: str, to_address: str, amount: int, tx_hash: str,
                           log_index: int, block_number: int) -> TokenAction | None:
    key = f"chain:{tx_hash}:{log_index}"
    if TokenAction.objects.filter(idempotency_key=key).exists():
        return None
    from_address, to_address = clean_address(from_address), clean_address(to_address)
    amount = clean_amount(amount)
    _a, to_user = wallet_owner(to_address, active_only=False)
    book_lock(security, share=True)
    sender, receiver = _lock_pair(security, from_address, to_address, to_user)
    if sender is None:
        raise _unknown(from_address)
    if to_user is None and receiver is None:
        raise _unknown(to_address)
    if amount > sender.free:
        raise ApplicationError(
            _("The register shows less free balance in %(wallet)s than the chain moved.") % {"wallet": from_address},
            code="insufficient_free_balance",
        )
    action = TokenAction(
        kind=TokenAction.Kind.TRANSFER, security=security, from_investor=sender.investor, from_wallet=from_address,
        to_investor=receiver.investor, to_wallet=to_address, amount=amount, cause=key, idempotency_key=key,
        origin=TokenAction.Origin.CHAIN, block_number=block_number,
        reason=_("Transfer made on chain"),
    )
    action.save(force_insert=True)
    move(sender, receiver, amount)
    audit_record(action="ledger.transfer", obj=action,
                 new={"origin": "chain", "from": from_address, "to": to_address, "amount": str(amount),
                      "tx_hash": tx_hash, "log_index": log_index, "block_number": block_number})
    return action


def chain_transfer_record(*, security: Security, from_address: str, to_address: str, amount: int, tx_hash: str,
                          log_index: int, block_number: int) -> TokenAction | None:
    """Record a transfer made directly on chain between allowed wallets (origin CHAIN, no
    outbox row). Returns None when it was already recorded; ApplicationError code
    unknown_wallet when a wallet is not in the register."""
    try:
        return _chain_transfer_record(security=security, from_address=from_address, to_address=to_address,
                                      amount=amount, tx_hash=tx_hash, log_index=log_index, block_number=block_number)
    except IntegrityError as error:  # a concurrent indexer recorded the same log first
        if duplicate_key(error):
            return None
        raise
