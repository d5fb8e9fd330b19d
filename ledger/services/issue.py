"""Issuing tokens: direct issuance and the settlement of ready-to-settle subscriptions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.policy import Action, policy_ensure
from compliance import rules
from core.clock import business_today
from core.errors import ApplicationError, ConflictError, NotFoundError
from core.lifecycle import transition_many
from investors.models import Wallet
from issuance.events import subscriptions_changed
from issuance.models import Security, Subscription
from notifications import hooks

from ..facts import facts_for, facts_for_wallet, holdings_needed, holdings_read, rules_for, wallet_load
from ..models import ControlBook, Position, TokenAction
from ..templatetags.trading import whole
from .access import security_load
from .actions import actions_record_many, run_idempotent, same_action
from .client_keys import client_key_stored
from .locks import book_lock, positions_lock, register_save
from .validation import clean_address, refuse


@dataclass(frozen=True)
class IssueItem:
    """One issuance of tokens_issue_many: `amount` base units to `wallet` (an investors.Wallet)."""

    wallet: Wallet
    amount: int
    idempotency_key: str | None = None
    reason: str = ""
    cause: str = ""


@dataclass
class _Item:
    """One issuance of a batch, resolved and locked: what _issue_locked checks and applies."""

    position: Position
    investor: User
    facts: rules.InvestorFacts
    amount: int
    reason: str
    cause: str
    idempotency_key: str | None


def _issue_locked(*, security: Security, book: ControlBook, items: list[_Item], actor: User) -> list[TokenAction]:
    """Issue every item into its already locked position (callers lock the book FOR UPDATE,
    then the positions in wallet order), all or nothing: each item is checked by the rule
    engine against the register as the earlier items of the batch leave it, and any refusal
    raises (the caller's transaction writes nothing). The register's facts are read once: the
    security's rules, and (only when a receiving rule is set) the investors' holdings and the
    holder count in one query, then kept up to date in memory. The positions and the book are
    written in one statement, then one action + outbox row + audit event per item, each kind
    in one INSERT (actions_record_many): a constant number of queries per batch."""
    security_rules = rules_for(security, book)
    day = business_today()
    balances: dict[int, int] = {}
    holders = 0
    if holdings_needed(security_rules):
        balances, holders = holdings_read(security, [item.investor.pk for item in items])
    outstanding, authorized = int(book.outstanding), int(book.authorized or 0)
    for index, item in enumerate(items):
        position, amount = item.position, item.amount
        if position.investor_id != item.investor.pk:
            raise ConflictError(_("This wallet holds tokens for another investor."), code="wallet_owner_mismatch",
                                fields={"item": index} if len(items) > 1 else None)
        balance = balances.get(item.investor.pk, 0)
        holding = rules.HoldingFacts(balance=balance, free_balance=position.free, holder_count=holders)
        verdict = rules.check_issue(investor=item.facts, rules=security_rules, holding=holding, amount=amount,
                                    today=day)
        if not verdict.allowed:
            error = refuse(verdict)
            if len(items) > 1:
                error.fields["item"] = index
            raise error
        if authorized and outstanding + amount > authorized:
            raise ApplicationError(
                _("Issuing this amount would exceed the authorized number of units."), code="authorized_exceeded",
                fields={"item": index} if len(items) > 1 else None,
            )
        outstanding += amount
        if balance == 0:
            holders += 1
        balances[item.investor.pk] = balance + amount
        position.balance = int(position.balance) + amount
    issued = sum(item.amount for item in items)
    book.issued = int(book.issued) + issued
    book.outstanding = int(book.outstanding) + issued
    register_save(book, [item.position for item in items])
    # Last: the audit chain's global lock, held until commit.
    specs = [{"idempotency_key": item.idempotency_key, "reason": item.reason, "cause": item.cause,
              "to_investor": item.investor, "to_wallet": item.position.wallet, "amount": item.amount}
             for item in items]
    return actions_record_many(kind=TokenAction.Kind.ISSUE, security=security, actor=actor, specs=specs)


@transaction.atomic(durable=True)
def _tokens_issue(*, security: Security, wallet: Wallet, amount: int, actor: User, reason: str, cause: str,
                  idempotency_key: str | None) -> TokenAction:
    security = security_load(security, actor, client_key=idempotency_key)
    policy_ensure(actor, Action.TOKENS_ISSUE, member_role=security.member_role)
    wallet = wallet_load(wallet.pk)
    address = clean_address(wallet.address)
    reason = (reason or "").strip()
    if security.recorded_pk is not None:
        return same_action(TokenAction.objects.get(pk=security.recorded_pk), kind=TokenAction.Kind.ISSUE,
                           security_id=security.pk, to_wallet=address,
                           amount=amount if isinstance(amount, int) else -1, reason=reason)
    book = book_lock(security)
    investor = wallet.profile.user
    position = positions_lock(security, [(address, investor)], book_exclusive=True)[address]
    item = _Item(position=position, investor=investor, facts=facts_for_wallet(wallet, position), amount=amount,
                 reason=reason, cause=cause, idempotency_key=security.stored_key)
    return _issue_locked(security=security, book=book, items=[item], actor=actor)[0]


def tokens_issue(*, security: Security, wallet: Wallet, amount: int, actor: User, reason: str, cause: str = "",
                 idempotency_key: str | None = None) -> TokenAction:
    """Issue `amount` base units to an investor's wallet (issuer admin). The rule engine
    checks the investor against the security's rules with the register's holdings; a
    `token.mint` outbox row follows in the same transaction. `idempotency_key` is the
    client's own key (client_key_clean), recorded in the issuer organization's namespace
    (client_key_stored): repeating the same issuance under it returns the first action and
    writes nothing; another request under it is a 409 idempotency_conflict."""
    return run_idempotent(_tokens_issue, security=security, wallet=wallet, amount=amount,
                          actor=actor, reason=reason, cause=cause, idempotency_key=idempotency_key)


@transaction.atomic(durable=True)
def _tokens_issue_many(*, security: Security, items: list[IssueItem], actor: User, reason: str,
                       cause: str) -> list[TokenAction]:
    security = security_load(security, actor)
    policy_ensure(actor, Action.TOKENS_ISSUE, member_role=security.member_role)
    if not items:
        raise ApplicationError(_("Give at least one issuance."), code="nothing_selected")
    stored = [client_key_stored(item.idempotency_key, actor=actor, organization_id=security.issuer_organization_id)
              for item in items]
    keys = [key for key in stored if key]
    if len(keys) != len(set(keys)):
        message = _("The same idempotency key appears twice in this batch.")
        raise ApplicationError(message, code="duplicate_idempotency_key", fields={"idempotency_key": [message]})
    wallets = {w.pk: w for w in Wallet.objects.select_related("profile__user").filter(
        pk__in={item.wallet.pk for item in items})}
    resolved: list[tuple[IssueItem, Wallet, str]] = []
    for index, item in enumerate(items):
        wallet = wallets.get(item.wallet.pk)
        if wallet is None:
            raise NotFoundError(_("Not found."), code="not_found", fields={"item": index})
        resolved.append((item, wallet, clean_address(wallet.address)))
    # A key already recorded: the same issuance returns its action (a retried batch writes
    # nothing), a different one is refused (nothing written).
    recorded = {a.idempotency_key: a for a in TokenAction.objects.filter(idempotency_key__in=keys)} if keys else {}
    results: dict[int, TokenAction] = {}
    for index, (item, _wallet, address) in enumerate(resolved):
        if stored[index] in recorded:
            results[index] = same_action(
                recorded[stored[index]], kind=TokenAction.Kind.ISSUE, security_id=security.pk,
                to_wallet=address, amount=item.amount if isinstance(item.amount, int) else -1)
    todo = [index for index in range(len(resolved)) if index not in results]
    if todo:
        book = book_lock(security)
        positions = positions_lock(security, [(resolved[i][2], resolved[i][1].profile.user) for i in todo],
                                   book_exclusive=True)
        locked = []
        for index in todo:
            item, wallet, address = resolved[index]
            position = positions[address]
            locked.append(_Item(position=position, investor=wallet.profile.user,
                                facts=facts_for_wallet(wallet, position), amount=item.amount,
                                reason=(item.reason or reason or "").strip(), cause=item.cause or cause,
                                idempotency_key=stored[index]))
        for index, action in zip(todo, _issue_locked(security=security, book=book, items=locked, actor=actor),
                                 strict=True):
            results[index] = action
    return [results[index] for index in range(len(resolved))]


def tokens_issue_many(*, security: Security, items: Iterable[IssueItem], actor: User, reason: str = "",
                      cause: str = "") -> list[TokenAction]:
    """Issue to several wallets of one security at once (issuer admin), all or nothing, in ONE
    durable transaction: the control book is locked once, the positions in wallet order,
    every item is checked by the rule engine as tokens_issue would check it (against the
    register as the earlier items leave it), and each item gets its own ISSUE action,
    `token.mint` outbox row and audit event. One refused item refuses the batch (its error
    names the item's index in `fields["item"]`) and nothing is written. An item's own
    reason/cause override the batch's. Idempotency keys are the client's own, recorded in the
    issuer organization's namespace as for tokens_issue: the same key twice in one batch is
    refused; a key already recorded for the same issuance returns that action (a retried
    batch writes nothing), for another issuance it is an `idempotency_conflict`."""
    items = list(items)
    return run_idempotent(_tokens_issue_many, security=security, items=items, actor=actor, reason=reason,
                          cause=cause)


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
        policy_ensure(actor, Action.SUBSCRIPTION_SETTLE,
                      organization_id=sub.offering.security.issuer.organization_id)
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
        positions = positions_lock(security, [(address, sub.investor) for sub, address in items],
                                   book_exclusive=True)
        # The same bulk path as tokens_issue_many: one action + outbox row per subscription,
        # each rule-checked, the audit events last.
        actions = _issue_locked(security=security, book=book, actor=actor, items=[
            _Item(position=positions[address], investor=sub.investor,
                  facts=facts_for(sub.investor, address, positions[address]), amount=int(sub.units),
                  reason=_("Settlement of subscription %(ref)s") % {"ref": sub.payment_reference},
                  cause=f"subscription:{sub.pk}", idempotency_key=f"subscription:{sub.pk}")
            for sub, address in items])
        for (sub, _address), action in zip(items, actions, strict=True):
            results[sub.pk] = action
        previous = [sub.status for sub, _address in items]
        transition_many([sub for sub, _address in items], to=Subscription.Status.SETTLED, actor=actor)
        subscriptions_changed(zip([sub for sub, _address in items], previous, strict=True))
        hooks.subscriptions_settled([(sub, whole(sub.units, security)) for sub, _address in items])
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
