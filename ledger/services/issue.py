"""Issuing tokens: direct issuance and the settlement of ready-to-settle subscriptions."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from compliance import rules
from core.errors import ApplicationError, ConflictError, NotFoundError
from core.lifecycle import transition
from investors.models import Wallet
from issuance.models import Security, Subscription

from ..models import ControlBook, Position, TokenAction
from ._core import (
    action_record,
    book_lock,
    clean_address,
    ensure_issuer,
    existing_action,
    facts_for,
    holding_for,
    position_save,
    positions_lock,
    refuse,
    rules_for,
    run_idempotent,
    today,
)


def _issue(*, security: Security, book: ControlBook, position: Position, investor: User, amount: int, actor: User,
           reason: str, cause: str, idempotency_key: str | None) -> TokenAction:
    """Issue into an already locked position (callers lock the book, then positions)."""
    if position.investor_id != investor.pk:
        raise ConflictError(_("This wallet holds tokens for another investor."), code="wallet_owner_mismatch")
    verdict = rules.check_issue(
        investor=facts_for(investor, position.wallet, position), rules=rules_for(security, book),
        holding=holding_for(security, investor, position), amount=amount, today=today(),
    )
    if not verdict.allowed:
        raise refuse(verdict)
    if book.authorized and int(book.outstanding) + amount > int(book.authorized):
        raise ApplicationError(
            _("Issuing this amount would exceed the authorized number of units."), code="authorized_exceeded"
        )
    position.balance = int(position.balance) + amount
    position_save(position)
    book.issued = int(book.issued) + amount
    book.outstanding = int(book.outstanding) + amount
    book.save(update_fields=["issued", "outstanding", "updated_at"])
    # Last: action_record takes the audit chain's global lock, held until commit.
    return action_record(
        kind=TokenAction.Kind.ISSUE, security=security, actor=actor, idempotency_key=idempotency_key, reason=reason,
        cause=cause, to_investor=investor, to_wallet=position.wallet, amount=amount,
    )


@transaction.atomic(durable=True)
def _tokens_issue(*, security: Security, wallet: Wallet, amount: int, actor: User, reason: str, cause: str,
                  idempotency_key: str | None) -> TokenAction:
    security = Security.objects.select_related("issuer").get(pk=security.pk)
    ensure_issuer(actor, security, admin=True)
    wallet = Wallet.objects.select_related("profile__user").get(pk=wallet.pk)
    address = clean_address(wallet.address)
    found = existing_action(idempotency_key, kind=TokenAction.Kind.ISSUE, security_id=security.pk,
                            to_wallet=address, amount=amount if isinstance(amount, int) else -1)
    if found is not None:
        return found
    book = book_lock(security)
    investor = wallet.profile.user
    position = positions_lock(security, [(address, investor)])[address]
    return _issue(security=security, book=book, position=position, investor=investor, amount=amount, actor=actor,
                  reason=(reason or "").strip(), cause=cause, idempotency_key=idempotency_key)


def tokens_issue(*, security: Security, wallet: Wallet, amount: int, actor: User, reason: str, cause: str = "",
                 idempotency_key: str | None = None) -> TokenAction:
    """Issue `amount` base units to an investor's wallet (issuer admin). The rule engine
    checks the investor against the security's rules with the register's holdings; a
    `token.mint` outbox row follows in the same transaction. A repeated idempotency key
    returns the first action and writes nothing."""
    return run_idempotent(_tokens_issue, idempotency_key, security=security, wallet=wallet, amount=amount,
                          actor=actor, reason=reason, cause=cause, idempotency_key=idempotency_key)


# -- settlement ----------------------------------------------------------------------------

def _target_wallet(sub: Subscription, wallet: Wallet | None) -> str:
    wallets = Wallet.objects.filter(profile__user=sub.investor, status=Wallet.Status.ACTIVE)
    if wallet is not None:
        chosen = wallets.filter(pk=wallet.pk).first()
        if chosen is None:
            raise ApplicationError(
                _("The chosen wallet is not an active wallet of the investor."), code="wallet_not_investors",
                fields={"wallet": [_("The chosen wallet is not an active wallet of the investor.")]},
            )
    else:
        chosen = wallets.order_by("id").first()
    if chosen is None:
        raise ApplicationError(
            _("Subscription %(ref)s cannot be settled: the investor has no active wallet.")
            % {"ref": sub.payment_reference},
            code="no_wallet",
        )
    return clean_address(chosen.address)


def _settle(pks: Iterable[int], actor: User, wallet: Wallet | None) -> list[TokenAction]:
    pks = sorted({int(pk) for pk in pks})
    if not pks:
        raise ApplicationError(_("Select at least one subscription."), code="nothing_selected")
    subs = list(
        Subscription.objects.select_for_update(of=("self",))
        .select_related("offering__security__issuer", "investor")
        .filter(pk__in=pks)
        .order_by("pk")
    )
    if len(subs) != len(pks):
        raise NotFoundError(_("Not found."), code="not_found")
    results: dict[int, TokenAction] = {}
    todo: list[tuple[Subscription, str]] = []
    for sub in subs:
        ensure_issuer(actor, sub.offering.security)
        if sub.status == Subscription.Status.SETTLED:
            found = TokenAction.objects.filter(idempotency_key=f"subscription:{sub.pk}").first()
            if found is not None:
                results[sub.pk] = found
                continue
        if sub.status != Subscription.Status.READY_TO_SETTLE:
            raise ConflictError(
                _("Subscription %(ref)s is not ready to settle (%(status)s).")
                % {"ref": sub.payment_reference, "status": sub.get_status_display()},
                code="not_ready_to_settle",
            )
        todo.append((sub, _target_wallet(sub, wallet)))
    # Lock order: each security's book, then all its positions in wallet order.
    by_security: dict[int, list[tuple[Subscription, str]]] = {}
    for sub, address in todo:
        by_security.setdefault(sub.offering.security_id, []).append((sub, address))
    for security_id in sorted(by_security):
        items = by_security[security_id]
        security = items[0][0].offering.security
        book = book_lock(security)
        positions = positions_lock(security, [(address, sub.investor) for sub, address in items])
        for sub, address in items:
            results[sub.pk] = _issue(
                security=security, book=book, position=positions[address], investor=sub.investor,
                amount=int(sub.units), actor=actor, reason=_("Settlement of subscription %(ref)s") % {"ref": sub.payment_reference},
                cause=f"subscription:{sub.pk}", idempotency_key=f"subscription:{sub.pk}",
            )
            transition(sub, to=Subscription.Status.SETTLED, actor=actor)
    return [results[pk] for pk in pks]


@transaction.atomic(durable=True)
def subscription_settle(*, subscription: Subscription, actor: User, wallet: Wallet | None = None) -> TokenAction:
    """Issue the units of one ready-to-settle subscription to the investor's earliest active
    wallet (or `wallet`), and mark it settled. Settling a settled one returns its action."""
    return _settle([subscription.pk], actor, wallet)[0]


@transaction.atomic(durable=True)
def subscriptions_settle(*, subscriptions: Iterable[Subscription], actor: User) -> list[TokenAction]:
    """Settle several subscriptions at once, all or nothing: one action per subscription."""
    return _settle([s.pk for s in subscriptions], actor, None)
