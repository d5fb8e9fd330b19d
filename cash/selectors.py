"""Reads of the cash app, scoped by who asks: a holder sees their own deposits and
withdrawals, an issuer's admins and members their treasury's, cash agents everything."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.access import access_deny, desk_ensure
from accounts.models import Membership, Role, User
from accounts.policy import Action
from issuance.models import Issuer
from ledger.models import ControlBook, Position

from .amounts import money_of
from .models import CashDeposit, CashWithdrawal, TrustAccount


def is_cash_agent(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.role == Role.CASH_AGENT


def _holders_visible(actor: User) -> Q:
    """Whose cash the actor sees: their own, and their organizations' treasuries."""
    orgs = Membership.objects.filter(user=actor).values("organization_id")
    return Q(holder=actor) | Q(holder__treasury_of__organization_id__in=orgs)


def deposits_visible(*, actor: User) -> QuerySet[CashDeposit]:
    qs = CashDeposit.objects.select_related("holder", "recorded_by", "approved_by")
    if is_cash_agent(actor):
        return qs
    if actor is None or not actor.is_authenticated:
        return qs.none()
    return qs.filter(_holders_visible(actor))


def withdrawals_visible(*, actor: User) -> QuerySet[CashWithdrawal]:
    qs = CashWithdrawal.objects.select_related("holder", "paid_by")
    if is_cash_agent(actor):
        return qs
    if actor is None or not actor.is_authenticated:
        return qs.none()
    return qs.filter(_holders_visible(actor))


def deposit_get_for(*, actor: User, pk: int) -> CashDeposit:
    """A deposit the actor may see; anything else (someone else's, or none) is a 404."""
    found = deposits_visible(actor=actor).filter(pk=pk).first()
    if found is None:
        access_deny(actor, object_type="cash.cashdeposit", object_id=pk, message=_("No such deposit."))
    return found


def withdrawal_get_for(*, actor: User, pk: int) -> CashWithdrawal:
    found = withdrawals_visible(actor=actor).filter(pk=pk).first()
    if found is None:
        access_deny(actor, object_type="cash.cashwithdrawal", object_id=pk, message=_("No such withdrawal."))
    return found


@dataclass(frozen=True)
class CashBalance:
    currency: str
    symbol: str
    wallet: str
    balance: Decimal
    held: Decimal
    frozen: Decimal
    free: Decimal


def balances_of(*, holder: User) -> list[CashBalance]:
    """The holder's cash per currency and wallet: balance, held for settlements, frozen, free."""
    accounts = {a.security_id: a for a in TrustAccount.objects.select_related("security")}
    rows = []
    for position in Position.objects.filter(investor=holder, security_id__in=list(accounts)).order_by(
            "security_id", "wallet"):
        account = accounts[position.security_id]
        c = account.currency
        rows.append(CashBalance(currency=c, symbol=account.security.symbol, wallet=position.wallet,
                                balance=money_of(position.balance, c), held=money_of(position.held, c),
                                frozen=money_of(position.frozen, c), free=money_of(position.free, c)))
    return rows


@dataclass(frozen=True)
class TrustRow:
    account: TrustAccount
    outstanding: Decimal
    in_balance: bool


def trust_overview(*, actor: User) -> list[TrustRow]:
    """The desk's view: each trust account's recorded balance against its token's control book."""
    desk_ensure(actor, Action.CASH_DEPOSIT_RECORD, object_type="cash.trustaccount")
    books = {b.security_id: int(b.outstanding) for b in ControlBook.objects.all()}
    rows = []
    for account in TrustAccount.objects.select_related("security").order_by("currency"):
        outstanding = money_of(books.get(account.security_id, 0), account.currency)
        rows.append(TrustRow(account=account, outstanding=outstanding, in_balance=outstanding == account.balance))
    return rows


def desk_queues(*, actor: User) -> dict:
    """What waits for the cash agents: deposits to record or approve, payouts to make."""
    desk_ensure(actor, Action.CASH_DEPOSIT_RECORD, object_type="cash.cashdeposit")
    deposits = CashDeposit.objects.select_related("holder", "recorded_by")
    return {
        "to_record": list(deposits.filter(status=CashDeposit.Status.REQUESTED).order_by("id")[:200]),
        "to_approve": list(deposits.filter(status=CashDeposit.Status.RECEIVED).order_by("id")[:200]),
        "to_pay": list(CashWithdrawal.objects.select_related("holder")
                       .filter(status=CashWithdrawal.Status.BURNED).order_by("id")[:200]),
    }


def bank_accounts() -> dict[str, str]:
    """Where to send each currency: the trust accounts' bank details."""
    return dict(TrustAccount.objects.values_list("currency", "bank_account"))


def currencies() -> list[str]:
    return list(TrustAccount.objects.order_by("currency").values_list("currency", flat=True))


def treasury_issuer_for(*, actor: User) -> Issuer | None:
    """The approved issuer of the actor's active organization (its treasury page), if any."""
    org_id = getattr(actor, "active_organization_id", None)
    memberships = Membership.objects.filter(user=actor)
    if org_id:
        memberships = memberships.filter(organization_id=org_id)
    org_ids = list(memberships.values_list("organization_id", flat=True)[:1])
    return Issuer.objects.select_related("treasury").filter(organization_id__in=org_ids).first()
