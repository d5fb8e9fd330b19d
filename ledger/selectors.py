"""Reads of the register, scoped by who asks (a refused object read records access_denied
and raises a 404 through issuance's selectors)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.access import access_deny, desk_ensure
from accounts.models import Role, User
from accounts.policy import Action
from compliance import rules
from compliance.codes import describe
from core.clock import business_today
from investors.models import Wallet
from issuance.models import Security, Subscription
from issuance.selectors import security_get_for

from .facts import facts_for, holding_for, rules_for
from .models import ComplianceRequest, ControlBook, Position, TokenAction


def register_positions(*, security: Security) -> dict[str, tuple[int, int]]:
    """Checksum wallet address -> (balance, frozen), for every position of the security."""
    rows = Position.objects.filter(security=security).values_list("wallet", "balance", "frozen")
    return {wallet: (int(balance), int(frozen)) for wallet, balance, frozen in rows}


def control_book_for(*, security: Security) -> ControlBook:
    """The security's control book (an unsaved empty one before the first action)."""
    book = ControlBook.objects.filter(security=security).first()
    return book or ControlBook(security=security, authorized=int(security.authorized_shares or 0))


def active_wallet_by_address(*, address: str) -> Wallet | None:
    """The active wallet registered at this address (any letter case), None when the register
    does not know it."""
    return Wallet.objects.filter(address__iexact=address, status=Wallet.Status.ACTIVE).first()


def securities_latest(*, limit: int = 200) -> QuerySet[Security]:
    """Every issuer's securities, newest first (the compliance and operator desks' list)."""
    return Security.objects.select_related("issuer").order_by("-id")[:limit]


def securities_by_name() -> QuerySet[Security]:
    """Every security by name (the compliance desk's choice of security for a request)."""
    return Security.objects.order_by("name")


def ledger_security_get_for(*, user: User, pk: int) -> Security:
    """Issuer members, compliance and operators may read a security's register."""
    return security_get_for(user=user, pk=pk)


def actions_of_security(*, security: Security, limit: int | None) -> QuerySet[TokenAction]:
    """The security's latest `limit` actions (None: every one), newest first."""
    rows = (TokenAction.objects.filter(security=security)
            .select_related("outbox", "actor", "from_investor", "to_investor").order_by("-id"))
    return rows[:limit] if limit is not None else rows


def holdings_of_investor(*, user: User) -> QuerySet[Position]:
    return (Position.objects.filter(investor=user).filter(Q(balance__gt=0) | Q(frozen__gt=0))
            .select_related("security__issuer").order_by("security__name", "wallet"))


def actions_of_investor(*, user: User, limit: int | None) -> QuerySet[TokenAction]:
    """The latest `limit` actions (None: every one) to or from the investor, newest first."""
    rows = (TokenAction.objects.filter(Q(from_investor=user) | Q(to_investor=user))
            .select_related("security", "outbox").order_by("-id"))
    return rows[:limit] if limit is not None else rows


def position_get_for_investor(*, user: User, pk: int) -> Position:
    position = Position.objects.select_related("security__issuer").filter(pk=pk, investor=user).first()
    if position is None:
        access_deny(user, object_type="ledger.position", object_id=pk)
    return position


@dataclass(frozen=True)
class Transferable:
    amount: int
    reasons: tuple[tuple[str, str], ...]  # (code, message)


def transferable_for(*, position: Position) -> Transferable:
    """How much this wallet can transfer right now, and why not more."""
    security = position.security
    book = control_book_for(security=security)
    facts = facts_for(position.investor, position.wallet, position)
    amount, blockers = rules.transferable_now(
        sender=facts, rules=rules_for(security, book, position),
        sender_holding=holding_for(security, position.investor, position), today=business_today(),
    )
    reasons = [(c.name.lower(), describe(c)) for c in blockers]
    if not blockers and int(position.frozen):
        reasons.append(("frozen", _("%(units)s frozen") % {"units": int(position.frozen)}))
    return Transferable(amount=amount, reasons=tuple(reasons))


def subscriptions_ready(*, security: Security) -> QuerySet[Subscription]:
    return (Subscription.objects.filter(offering__security=security, status=Subscription.Status.READY_TO_SETTLE)
            .select_related("investor", "offering").order_by("id"))


def subscriptions_of_security(*, security: Security, pks: list[int]) -> list[Subscription]:
    """The subscriptions with these ids that are to this security's offerings (others are
    left out, not refused: the settle service checks each one's state)."""
    return list(Subscription.objects.filter(pk__in=pks, offering__security=security))


def compliance_requests(*, actor: User, status: str = "pending",
                        limit: int | None = None) -> QuerySet[ComplianceRequest]:
    """The compliance desk's requests in this status ("" for any), at most `limit`."""
    """The forced-transfer desk (compliance officers; 403 for anyone else: accounts.access)."""
    desk_ensure(actor, Action.FORCED_TRANSFER_DECIDE, object_type="ledger.compliancerequest")
    qs = ComplianceRequest.objects.select_related("security", "requested_by", "decided_by")
    if actor.role == Role.CASH_AGENT:   # cash agents handle cash tokens' requests only
        qs = qs.filter(security__kind=Security.Kind.CASH)
    qs = qs.filter(status=status) if status else qs
    return qs[:limit] if limit is not None else qs


def compliance_request_get_for(*, actor: User, pk: int) -> ComplianceRequest:
    """A request on the forced-transfer desk: 403 for anyone but officers, before it is read;
    404 for an officer asking for one that does not exist."""
    desk_ensure(actor, Action.FORCED_TRANSFER_DECIDE, object_type="ledger.compliancerequest", object_id=pk)
    request = ComplianceRequest.objects.select_related("security").filter(pk=pk).first()
    if request is not None and actor.role == Role.CASH_AGENT and request.security.kind != Security.Kind.CASH:
        request = None   # cash agents see cash tokens' requests only
    if request is None:
        access_deny(actor, object_type="ledger.compliancerequest", object_id=pk)
    return request
