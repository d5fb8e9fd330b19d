"""Redemption, freezes and pauses."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.policy import Action, policy_ensure
from core.errors import ApplicationError, ConflictError, NotFoundError
from issuance.models import Security

from ..models import TokenAction
from .access import client_key_for
from .actions import action_record, existing_action, run_idempotent
from .locks import book_lock, position_save, positions_lock
from .validation import clean_address, clean_amount, clean_reason, wallet_owner


def _security(security: Security) -> Security:
    return Security.objects.select_related("issuer").get(pk=security.pk)


def _position(security: Security, address: str):
    position = positions_lock(security, [(address, None)]).get(address)
    if position is None:
        raise NotFoundError(_("This wallet holds no tokens of this security."), code="no_position")
    return position


@transaction.atomic(durable=True)
def _tokens_redeem(*, security: Security, wallet: str, amount: object, actor: User, reason: str,
                   idempotency_key: str | None) -> TokenAction:
    security = _security(security)
    policy_ensure(actor, Action.TOKENS_REDEEM, organization_id=security.issuer.organization_id)
    address, value = clean_address(wallet), clean_amount(amount)
    reason = clean_reason(reason, required=False)
    key = client_key_for(idempotency_key, actor=actor, security=security)
    found = existing_action(key, kind=TokenAction.Kind.REDEEM, security_id=security.pk,
                            from_wallet=address, amount=value, reason=reason)
    if found is not None:
        return found
    book = book_lock(security)
    position = _position(security, address)
    if value > int(position.balance):
        raise ApplicationError(_("The amount exceeds the wallet's balance."), code="insufficient_balance",
                               fields={"amount": [_("The amount exceeds the wallet's balance.")]})
    action = action_record(kind=TokenAction.Kind.REDEEM, security=security, actor=actor,
                           idempotency_key=key, reason=reason, cause="issuer",
                           from_investor=position.investor, from_wallet=address, amount=value)
    position.balance = int(position.balance) - value
    position.frozen = min(int(position.frozen), int(position.balance))  # a burn eats frozen tokens last
    position_save(position)
    book.redeemed = int(book.redeemed) + value
    book.outstanding = int(book.outstanding) - value
    book.save(update_fields=["redeemed", "outstanding", "updated_at"])
    return action


def tokens_redeem(*, security: Security, wallet: str, amount: object, actor: User, reason: str = "",
                  idempotency_key: str | None = None) -> TokenAction:
    """Redeem (burn) tokens held in a wallet (issuer admin). `idempotency_key`: the client's
    own key, recorded in its namespace (client_key_for); see tokens_issue."""
    return run_idempotent(_tokens_redeem, security=security, wallet=wallet, amount=amount,
                          actor=actor, reason=reason, idempotency_key=idempotency_key)


@transaction.atomic(durable=True)
def _freeze_tokens(*, security: Security, wallet: str, amount: object, actor: User, reason: str,
                   freeze: bool) -> TokenAction:
    security = _security(security)
    policy_ensure(actor, Action.TOKENS_FREEZE, organization_id=security.issuer.organization_id)
    reason = clean_reason(reason)
    address, value = clean_address(wallet), clean_amount(amount)
    book_lock(security, share=True)
    position = _position(security, address)
    if freeze and value > position.free:
        raise ApplicationError(_("The amount exceeds the wallet's unfrozen balance."), code="insufficient_free_balance")
    if not freeze and value > int(position.frozen):
        raise ApplicationError(_("The amount exceeds the wallet's frozen balance."), code="insufficient_frozen_balance")
    kind = TokenAction.Kind.FREEZE_TOKENS if freeze else TokenAction.Kind.UNFREEZE_TOKENS
    action = action_record(kind=kind, security=security, actor=actor, reason=reason, cause="control",
                           from_investor=position.investor, from_wallet=address, amount=value)
    position.frozen = int(position.frozen) + (value if freeze else -value)
    position_save(position)
    return action


def tokens_freeze(*, security: Security, wallet: str, amount: object, actor: User, reason: str) -> TokenAction:
    """Freeze part of a wallet's balance (issuer admin or compliance officer, reason required)."""
    return _freeze_tokens(security=security, wallet=wallet, amount=amount, actor=actor, reason=reason, freeze=True)


def tokens_unfreeze(*, security: Security, wallet: str, amount: object, actor: User, reason: str) -> TokenAction:
    return _freeze_tokens(security=security, wallet=wallet, amount=amount, actor=actor, reason=reason, freeze=False)


@transaction.atomic(durable=True)
def _freeze_wallet(*, security: Security, wallet: str, actor: User, reason: str, freeze: bool) -> TokenAction:
    security = _security(security)
    policy_ensure(actor, Action.WALLET_FREEZE, organization_id=security.issuer.organization_id)
    reason = clean_reason(reason)
    address, owner = wallet_owner(wallet, active_only=False)
    book_lock(security, share=True)
    position = positions_lock(security, [(address, owner)]).get(address)
    if position is None:
        raise ApplicationError(_("Wallet %(wallet)s is not in the register.") % {"wallet": address},
                               code="unknown_wallet")
    if position.wallet_frozen == freeze:
        raise ConflictError(
            _("The wallet is already frozen.") if freeze else _("The wallet is not frozen."), code="unchanged"
        )
    kind = TokenAction.Kind.FREEZE_WALLET if freeze else TokenAction.Kind.UNFREEZE_WALLET
    action = action_record(kind=kind, security=security, actor=actor, reason=reason, cause="control",
                           from_investor=position.investor, from_wallet=address)
    position.wallet_frozen = freeze
    position_save(position)
    return action


def wallet_freeze(*, security: Security, wallet: str, actor: User, reason: str) -> TokenAction:
    """Freeze a whole wallet for this security: it can neither send nor receive."""
    return _freeze_wallet(security=security, wallet=wallet, actor=actor, reason=reason, freeze=True)


def wallet_unfreeze(*, security: Security, wallet: str, actor: User, reason: str) -> TokenAction:
    return _freeze_wallet(security=security, wallet=wallet, actor=actor, reason=reason, freeze=False)


@transaction.atomic(durable=True)
def _pause(*, security: Security, actor: User, reason: str, pause: bool) -> TokenAction:
    security = _security(security)
    policy_ensure(actor, Action.SECURITY_PAUSE, organization_id=security.issuer.organization_id)
    reason = clean_reason(reason)
    action = pause_write(security=security, pause=pause, actor=actor, reason=reason, cause="control")
    if action is None:
        raise ConflictError(_("The token is already paused.") if pause else _("The token is not paused."),
                            code="unchanged")
    return action


def pause_write(*, security: Security, pause: bool, actor: User | None, reason: str, cause: str) -> TokenAction | None:
    """Pause (or unpause) the security in the register and on chain (one PAUSE/UNPAUSE action
    with its outbox row), inside the caller's transaction; None when it is in that state
    already. The paying agent calls it as the system (actor None) at a redemption's record."""
    book = book_lock(security)
    if book.paused == pause:
        return None
    kind = TokenAction.Kind.PAUSE if pause else TokenAction.Kind.UNPAUSE
    action = action_record(kind=kind, security=security, actor=actor, reason=reason, cause=cause)
    book.paused = pause
    book.save(update_fields=["paused", "updated_at"])
    return action


def security_pause(*, security: Security, actor: User, reason: str) -> TokenAction:
    """Stop all transfers and issuance of this security (issuer admin or compliance)."""
    return _pause(security=security, actor=actor, reason=reason, pause=True)


def security_unpause(*, security: Security, actor: User, reason: str) -> TokenAction:
    return _pause(security=security, actor=actor, reason=reason, pause=False)
