"""The cash token's register moves, under the ledger's locks and in the caller's durable
transaction: a mint credited to the trust account, a burn debited from it. Lock order: the
cash security's control book, then the position, then the trust account (ledger.services.locks
comes first, so the register's own lock order is kept)."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.utils.translation import gettext as _

from accounts.models import User
from compliance import rules
from compliance.selectors import profile_facts
from core.audit import audit_record
from core.clock import business_today
from core.errors import ApplicationError, ConflictError
from investors.models import InvestorProfile, Wallet
from ledger.facts import rules_for
from ledger.models import Position, TokenAction
from ledger.services.actions import action_record
from ledger.services.locks import book_lock, position_save, positions_lock, register_save
from ledger.services.validation import refuse

from ..models import TrustAccount, TrustEntry

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone, typed into a bank form


def new_reference(prefix: str, model) -> str:
    """A fresh unique reference, e.g. DEP-7K3M9QXA."""
    for _attempt in range(8):
        reference = f"{prefix}-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))
        if not model.objects.filter(reference=reference).exists():
            return reference
    raise ConflictError(_("Could not allocate a reference; try again."), code="reference_exhausted")


def holder_wallet(holder: User, wallet: Wallet | str | None = None) -> Wallet:
    """The holder's active wallet (`wallet`, else their earliest), with a KYC approval valid
    today: only such wallets may hold the cash token."""
    wallets = Wallet.objects.select_related("profile").filter(profile__user=holder, status=Wallet.Status.ACTIVE)
    if wallet is not None:
        address = wallet.address if isinstance(wallet, Wallet) else str(wallet)
        chosen = wallets.filter(address__iexact=address.strip()).first()
    else:
        chosen = wallets.order_by("id").first()
    if chosen is None:
        message = _("Register a wallet first: cash is credited to one of your active wallets.")
        raise ApplicationError(message, code="no_wallet", fields={"wallet": [message]})
    profile = chosen.profile
    expires = profile.kyc_expires_on
    if profile.kyc_status != InvestorProfile.KycStatus.APPROVED or (expires is not None and
                                                                    expires < business_today()):
        raise ApplicationError(_("Only investors with an approved, valid KYC may hold cash tokens."),
                               code="kyc_required")
    return chosen


def _trust_move(account: TrustAccount, *, kind: str, amount: Decimal, reference: str, actor: User) -> TrustEntry:
    account = TrustAccount.objects.select_for_update().get(pk=account.pk)
    delta = amount if kind == TrustEntry.Kind.DEPOSIT_CREDIT else -amount
    account.balance = account.balance + delta
    account.save(update_fields=["balance", "updated_at"])
    entry = TrustEntry.objects.create(account=account, kind=kind, amount=amount, balance_after=account.balance,
                                      reference=reference, actor=actor)
    audit_record(action=f"cash.{kind}", actor=actor, obj=account,
                 new={"amount": str(amount), "balance": str(account.balance), "reference": reference})
    return entry


def cash_mint(*, account: TrustAccount, holder: User, wallet: Wallet, amount: Decimal, units: int, reference: str,
              actor: User) -> TokenAction:
    """Mint `units` to the holder's wallet (the rule engine checks the holder as for any issue)
    and credit `amount` to the trust account, in the caller's transaction."""
    security = account.security
    book = book_lock(security)
    position = positions_lock(security, [(wallet.address, holder)], book_exclusive=True)[wallet.address]
    facts = profile_facts(wallet.profile, investor_id=holder.pk, wallet_registered=True,
                          wallet_frozen=position.wallet_frozen)
    holding = rules.HoldingFacts(balance=int(position.balance), free_balance=position.free)
    verdict = rules.check_issue(investor=facts, rules=rules_for(security, book), holding=holding, amount=units,
                                today=business_today())
    if not verdict.allowed:
        raise refuse(verdict)
    action = action_record(kind=TokenAction.Kind.ISSUE, security=security, actor=actor,
                           idempotency_key=f"cash:{reference}", reason=_("Cash deposit %(ref)s") % {"ref": reference},
                           cause=f"cash:{reference}", to_investor=holder, to_wallet=wallet.address, amount=units)
    position.balance = int(position.balance) + units
    book.issued = int(book.issued) + units
    book.outstanding = int(book.outstanding) + units
    register_save(book, [position])
    _trust_move(account, kind=TrustEntry.Kind.DEPOSIT_CREDIT, amount=amount, reference=reference, actor=actor)
    return action


def cash_burn(*, account: TrustAccount, holder: User, wallet: Wallet, amount: Decimal, units: int, reference: str,
              actor: User) -> TokenAction:
    """Burn `units` of the holder's free cash in `wallet` and debit `amount` from the trust
    account (the fiat is now owed to the holder), in the caller's transaction."""
    security = account.security
    book = book_lock(security)
    if book.paused:
        raise ConflictError(_("The cash token is paused."), code="paused")
    position: Position | None = positions_lock(security, [(wallet.address, None)]).get(wallet.address)
    free = position.free if position is not None else 0
    if position is not None and position.wallet_frozen:
        raise ConflictError(_("This wallet is frozen."), code="wallet_frozen")
    if units > free:
        message = _("The amount exceeds the free cash in this wallet.")
        raise ApplicationError(message, code="insufficient_cash", fields={"amount": [message]})
    action = action_record(kind=TokenAction.Kind.REDEEM, security=security, actor=actor,
                           idempotency_key=f"cash:{reference}",
                           reason=_("Cash withdrawal %(ref)s") % {"ref": reference}, cause=f"cash:{reference}",
                           from_investor=holder, from_wallet=wallet.address, amount=units)
    position.balance = int(position.balance) - units
    position_save(position)
    book.redeemed = int(book.redeemed) + units
    book.outstanding = int(book.outstanding) - units
    book.save(update_fields=["redeemed", "outstanding", "updated_at"])
    _trust_move(account, kind=TrustEntry.Kind.PAYOUT_DEBIT, amount=amount, reference=reference, actor=actor)
    return action
