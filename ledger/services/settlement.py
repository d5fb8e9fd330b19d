"""Delivery versus payment in the register (ledger.models.settlement): the parties' EIP-712
authorizations, the hold of both legs with the one outbox action for the Settlement contract,
and the outcome the chain reports (both legs moved, or both released), each in ONE
transaction. Primary settlements pay a subscription in the cash token (subscription_pay).

Lock order (ledger/services/locks.py, extended to two securities): the control books of the
security and the cash token in id order, then every position of both, by (security id, wallet).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import access_deny
from accounts.models import User
from compliance import rules
from compliance.codes import describe
from core.audit import audit_record
from core.clock import business_today
from core.errors import ApplicationError, ConflictError
from core.lifecycle import transition, transition_many
from core.money import to_base_units
from core.outbox import outbox_put
from core.outbox_payloads import SettlementDvp, SettlementPrimary
from investors.authorization import signature_check
from investors.custody import custody_sign
from investors.models import Wallet
from issuance.events import subscription_changed
from issuance.models import Offering, SettlementMode, Subscription
from notifications import hooks

from .. import events
from ..facts import facts_for, holding_for, rules_for
from ..models import ControlBook, Position, Settlement, TokenAction, TradeOffer
from ..settlement_selectors import cash_security_for, deadline_seconds, settlement_typed_data
from ..templatetags.trading import whole
from .locks import book_lock, positions_lock
from .validation import clean_address, redeeming_refuse

#: The Settlement contract's custom errors -> the register's stable failure codes.
CHAIN_CODES = {
    "AuthorizationExpired": "authorization_expired",
    "AuthorizationUsed": "authorization_used",
    "InvalidSignature": "invalid_signature",
    "SecurityLegRestricted": "security_leg_restricted",
    "CashLegRestricted": "cash_leg_restricted",
    "InvalidDelivery": "invalid_delivery",
}


def margin() -> timedelta:
    """How long before its deadline a settlement may still be submitted (the relay needs time)."""
    return timedelta(seconds=getattr(settings, "SETTLEMENT_SUBMIT_MARGIN_SECONDS", 30))


def position_write(position: Position) -> None:
    position.save(update_fields=["balance", "frozen", "held", "updated_at"])


def _expired() -> ApplicationError:
    return ApplicationError(_("The authorization deadline of this settlement has passed."),
                            code="authorization_expired")


# -- checks before the hold ------------------------------------------------------------------

def _refusal(verdict: rules.Verdict, *, leg: str) -> ApplicationError:
    reasons = [code.name.lower() for code in verdict.reasons]
    if leg == "cash":
        if verdict.code == rules.Code.INSUFFICIENT_FREE_BALANCE:
            return ApplicationError(_("The buyer's wallet does not hold enough free cash for the price."),
                                    code="insufficient_cash", fields={"reasons": reasons, "leg": "cash"})
        return ApplicationError(_("The cash leg cannot move: %(why)s") % {"why": describe(verdict.code)},
                                code=f"cash_{verdict.reason}", fields={"reasons": reasons, "leg": "cash"})
    return ApplicationError(describe(verdict.code), code=verdict.reason, fields={"reasons": reasons, "leg": "security"})


def _lock_legs(settlement: Settlement) -> tuple[ControlBook, ControlBook, dict, dict]:
    """Books (the security's FOR UPDATE for a primary mint, else FOR SHARE; the cash token's FOR
    SHARE) in id order, then the positions of both legs in (security id, wallet) order; the
    positions a leg credits are created when missing."""
    security, cash = settlement.security, settlement.cash
    books = {}
    for item in sorted([security, cash], key=lambda s: s.pk):
        books[item.pk] = book_lock(item, share=not (item.pk == security.pk and settlement.is_primary))
    wanted = {
        security.pk: [(settlement.buyer_wallet, settlement.buyer)]
        + ([] if settlement.is_primary else [(settlement.seller_wallet, None)]),
        cash.pk: [(settlement.buyer_wallet, None), (settlement.seller_wallet, settlement.seller)],
    }
    locked = {item.pk: positions_lock(item, wanted[item.pk]) for item in sorted([security, cash], key=lambda s: s.pk)}
    return books[security.pk], books[cash.pk], locked[security.pk], locked[cash.pk]


def _check_legs(settlement: Settlement, sec_book: ControlBook, cash_book: ControlBook, sec: dict,
                cash: dict) -> None:
    """Refuse (nothing written) unless both legs can move now: the rule engine on each leg as
    tokens_transfer checks it (paused, frozen wallets, free balances, the buyer's eligibility,
    holding limits), the mint's authorized cap for a primary."""
    today = business_today()
    buyer, seller = settlement.buyer, settlement.seller
    units, price = int(settlement.units), int(settlement.price)
    buyer_sec = sec.get(settlement.buyer_wallet)
    buyer_facts = facts_for(buyer, settlement.buyer_wallet, buyer_sec)
    if settlement.is_primary:
        verdict = rules.check_issue(investor=buyer_facts, rules=rules_for(settlement.security, sec_book),
                                    holding=holding_for(settlement.security, buyer, buyer_sec), amount=units,
                                    today=today)
        if verdict.allowed and sec_book.authorized and int(sec_book.outstanding) + units > int(sec_book.authorized):
            raise ApplicationError(_("Issuing this amount would exceed the authorized number of units."),
                                   code="authorized_exceeded")
    else:
        seller_sec = sec.get(settlement.seller_wallet)
        if seller_sec is None or seller_sec.investor_id != seller.pk:
            raise ApplicationError(_("The seller's wallet holds no units of this security."),
                                   code="insufficient_free_balance", fields={"leg": "security"})
        verdict = rules.check_transfer(
            sender=facts_for(seller, settlement.seller_wallet, seller_sec), receiver=buyer_facts,
            rules=rules_for(settlement.security, sec_book, seller_sec),
            sender_holding=holding_for(settlement.security, seller, seller_sec),
            receiver_holding=holding_for(settlement.security, buyer, buyer_sec), amount=units, today=today)
    if not verdict.allowed:
        raise _refusal(verdict, leg="security")
    buyer_cash, seller_cash = cash.get(settlement.buyer_wallet), cash.get(settlement.seller_wallet)
    if buyer_cash is None or buyer_cash.investor_id != buyer.pk:
        raise ApplicationError(_("The buyer's wallet does not hold enough free cash for the price."),
                               code="insufficient_cash", fields={"leg": "cash"})
    verdict = rules.check_transfer(
        sender=facts_for(buyer, settlement.buyer_wallet, buyer_cash),
        receiver=facts_for(seller, settlement.seller_wallet, seller_cash),
        rules=rules_for(settlement.cash, cash_book), sender_holding=holding_for(settlement.cash, buyer, buyer_cash),
        receiver_holding=holding_for(settlement.cash, seller, seller_cash), amount=price, today=today)
    if not verdict.allowed:
        raise _refusal(verdict, leg="cash")


def _payload(settlement: Settlement) -> SettlementDvp | SettlementPrimary:
    common = {"settlement_id": settlement.pk, "security_id": settlement.security_id, "cash_id": settlement.cash_id,
              "seller_wallet": settlement.seller_wallet, "buyer_wallet": settlement.buyer_wallet,
              "units": int(settlement.units), "price": int(settlement.price), "nonce": settlement.nonce,
              "deadline": deadline_seconds(settlement.deadline), "buyer_signature": settlement.buyer_signature}
    if settlement.is_primary:
        return SettlementPrimary(**common)
    return SettlementDvp(**common, seller_signature=settlement.seller_signature)


def _submit(settlement: Settlement, offer: TradeOffer | None, actor: User | None) -> Settlement:
    """Inside the authorizing transaction: check both legs, hold them (free + held + frozen =
    balance stays true), write the one outbox action, mark the settlement (and its offer)
    submitted."""
    if settlement.deadline <= timezone.now() + margin():
        raise _expired()
    redeeming_refuse(settlement.security)
    if settlement.is_primary:
        subscription = Subscription.objects.select_for_update().get(pk=settlement.subscription_id)
        if subscription.status not in PAYABLE:       # rejected or cancelled since the pay step
            raise ConflictError(_("This subscription cannot be paid now (%(status)s).")
                                % {"status": subscription.get_status_display()}, code="not_payable")
    sec_book, cash_book, sec, cash = _lock_legs(settlement)
    _check_legs(settlement, sec_book, cash_book, sec, cash)
    if not settlement.is_primary:
        seller_sec = sec[settlement.seller_wallet]
        seller_sec.held = int(seller_sec.held) + int(settlement.units)
        position_write(seller_sec)
    buyer_cash = cash[settlement.buyer_wallet]
    buyer_cash.held = int(buyer_cash.held) + int(settlement.price)
    position_write(buyer_cash)
    entry = outbox_put(_payload(settlement), idempotency_key=f"settlement:{settlement.pk}")
    transition_many([settlement], to=Settlement.Status.SUBMITTED, actor=actor,
                    also={"outbox": entry, "submitted_at": timezone.now()})
    if offer is not None:
        transition(offer, to=TradeOffer.Status.SUBMITTED, actor=actor)
    return settlement


# -- authorization ---------------------------------------------------------------------------

def _locked(settlement_id: int) -> tuple[Settlement | None, TradeOffer | None]:
    """The settlement and its offer (if a trade), locked: the offer first, as offer_cancel and
    offer_accept lock them, so two use cases never wait on each other in a circle."""
    offer = TradeOffer.objects.select_for_update().filter(settlement_id=settlement_id).first()
    found = (Settlement.objects.select_for_update(of=("self",))
             .select_related("security", "cash", "seller", "buyer", "outbox").filter(pk=settlement_id).first())
    return found, offer


def _side(settlement: Settlement, actor: User) -> str:
    """Which party `actor` signs for ('buyer' or 'seller'); 404 for anyone who is not a party
    whose signature the settlement needs."""
    if actor is not None and actor.is_authenticated:
        if actor.pk in (settlement.buyer_id, settlement.seller_id):
            _check_awaiting(settlement)
        if actor.pk == settlement.buyer_id and not settlement.buyer_signature:
            return "buyer"
        if actor.pk == settlement.seller_id and settlement.needs_seller_signature():
            return "seller"
        if actor.pk in (settlement.buyer_id, settlement.seller_id):
            raise ConflictError(_("You have authorized this settlement already."), code="already_authorized")
    access_deny(actor, object_type="ledger.settlement", object_id=settlement.pk, message=_("Not found."))


def _check_awaiting(settlement: Settlement) -> None:
    if settlement.status != Settlement.Status.AWAITING_AUTHORIZATION:
        raise ConflictError(_("This settlement no longer awaits authorization (%(status)s).")
                            % {"status": settlement.get_status_display()}, code="settlement_not_awaiting")
    if settlement.deadline <= timezone.now() + margin():
        raise _expired()


@transaction.atomic(durable=True)
def _authorize(*, settlement: Settlement, signature: str, typed: dict, actor: User, custodied: bool) -> Settlement:
    settlement, offer = _locked(settlement.pk)
    side = _side(settlement, actor)
    if side == "seller" and settlement.seller_signature:
        raise ConflictError(_("You have authorized this settlement already."), code="already_authorized")
    _check_awaiting(settlement)
    wallet = settlement.buyer_wallet if side == "buyer" else settlement.seller_wallet
    signature = signature_check(typed, signature, wallet)
    field = f"{side}_signature"
    setattr(settlement, field, signature)
    Settlement.objects.filter(pk=settlement.pk).update(**{field: signature})
    if settlement.authorized():
        # Both legs' row locks before any audit event: the audit chain's lock is global and every
        # register use case takes it last (the other order deadlocked in the chaos test).
        settlement = _submit(settlement, offer, actor)
    elif offer is not None and offer.status == TradeOffer.Status.ACCEPTED:
        transition(offer, to=TradeOffer.Status.AUTHORIZED, actor=actor)
    audit_record(action="settlement.authorized", actor=actor, obj=settlement,
                 new={"party": side, "wallet": wallet, "custodied": custodied})
    return settlement


def settlement_authorize(*, settlement: Settlement, signature: str, actor: User) -> Settlement:
    """A party of the settlement signs the Delivery with its self-custodied wallet: the
    signature must be the party's wallet's over exactly settlement_typed_data(settlement)
    (malformed_signature / invalid_signature otherwise: another key, other terms, another
    settlement's nonce). When every needed signature is in, the settlement is submitted in
    the same transaction: both legs checked and held, one settlement.* outbox action.
    Refusals write nothing (the signature is not kept): settlement_not_awaiting (replayed or
    late), authorization_expired, insufficient_cash, the rule engine's codes."""
    # The terms never change after creation: read them (the chain's addresses) before the
    # register's transaction.
    current = Settlement.objects.select_related("security", "cash").filter(pk=settlement.pk).first()
    if current is None:
        access_deny(actor, object_type="ledger.settlement", object_id=settlement.pk, message=_("Not found."))
    _side(current, actor)
    return _authorize(settlement=current, signature=signature, typed=settlement_typed_data(current), actor=actor,
                      custodied=False)


def settlement_authorize_custodied(*, settlement: Settlement, actor: User) -> Settlement:
    """As settlement_authorize for a platform-custodied wallet: the investor confirmed this
    instruction, the custody signer (investors.custody.custody_sign) signs, outside the
    register's transaction (a remote signer is network I/O), then the signature is checked
    and recorded like any other."""
    current = Settlement.objects.select_related("security", "cash").get(pk=settlement.pk)
    side = _side(current, actor)
    _check_awaiting(current)
    address = current.buyer_wallet if side == "buyer" else current.seller_wallet
    wallet = Wallet.objects.filter(address=address, status=Wallet.Status.ACTIVE, profile__user=actor).first()
    if wallet is None or wallet.custody != Wallet.Custody.PLATFORM:
        raise ApplicationError(_("The trust bank does not keep this wallet's key: sign with your wallet."),
                               code="wallet_not_custodied")
    typed = settlement_typed_data(current)
    signature = custody_sign(wallet=wallet, typed=typed, actor=actor)
    return _authorize(settlement=current, signature=signature, typed=typed, actor=actor, custodied=True)


# -- the chain's verdict ---------------------------------------------------------------------

def _code_of(code: str) -> str:
    """A stable code for the contract's error name ("SecurityLegRestricted" or
    "SecurityLegRestricted(3)"); settlement_failed for anything else."""
    return CHAIN_CODES.get((code or "").split("(")[0].strip(), "settlement_failed")


def _legs_apply(settlement: Settlement, sec_book: ControlBook, sec: dict, cash: dict) -> None:
    units, price = int(settlement.units), int(settlement.price)
    buyer_sec = sec[settlement.buyer_wallet]
    buyer_sec.balance = int(buyer_sec.balance) + units
    if settlement.is_primary:
        sec_book.issued = int(sec_book.issued) + units
        sec_book.outstanding = int(sec_book.outstanding) + units
        sec_book.save(update_fields=["issued", "outstanding", "updated_at"])
    else:
        seller_sec = sec[settlement.seller_wallet]
        seller_sec.balance = int(seller_sec.balance) - units
        seller_sec.held = int(seller_sec.held) - units
        position_write(seller_sec)
    position_write(buyer_sec)
    buyer_cash, seller_cash = cash[settlement.buyer_wallet], cash[settlement.seller_wallet]
    buyer_cash.balance = int(buyer_cash.balance) - price
    buyer_cash.held = int(buyer_cash.held) - price
    seller_cash.balance = int(seller_cash.balance) + price
    position_write(buyer_cash)
    position_write(seller_cash)


def _actions_write(settlement: Settlement) -> list[TokenAction]:
    """The two legs as register actions, both pointing at the settlement's one outbox entry."""
    K = TokenAction.Kind
    common = {"settlement": settlement, "outbox": settlement.outbox, "origin": TokenAction.Origin.PLATFORM,
              "cause": f"settlement:{settlement.pk}"}
    delivery = TokenAction(
        kind=K.ISSUE if settlement.is_primary else K.DVP_DELIVERY, security=settlement.security,
        from_investor=None if settlement.is_primary else settlement.seller,
        from_wallet="" if settlement.is_primary else settlement.seller_wallet, to_investor=settlement.buyer,
        to_wallet=settlement.buyer_wallet, amount=int(settlement.units),
        idempotency_key=f"settlement:{settlement.pk}:delivery", **common)
    payment = TokenAction(
        kind=K.DVP_PAYMENT, security=settlement.cash, from_investor=settlement.buyer,
        from_wallet=settlement.buyer_wallet, to_investor=settlement.seller, to_wallet=settlement.seller_wallet,
        amount=int(settlement.price), idempotency_key=f"settlement:{settlement.pk}:payment", **common)
    actions = TokenAction.objects.bulk_create([delivery, payment])
    for action in actions:
        audit_record(action=f"ledger.{action.kind}", obj=action,
                     new={"security": action.security_id, "from": action.from_wallet, "to": action.to_wallet,
                          "amount": str(action.amount), "settlement": settlement.pk})
    return actions


def _release(settlement: Settlement, sec: dict, cash: dict) -> None:
    if not settlement.is_primary:
        seller_sec = sec[settlement.seller_wallet]
        seller_sec.held = int(seller_sec.held) - int(settlement.units)
        position_write(seller_sec)
    buyer_cash = cash[settlement.buyer_wallet]
    buyer_cash.held = int(buyer_cash.held) - int(settlement.price)
    position_write(buyer_cash)


def settlement_outcome(*, settlement_id: int, settled: bool, code: str = "", message: str = "") -> Settlement | None:
    """The chain's verdict on a submitted settlement, called by chain/ INSIDE the transaction
    that decides its outbox entry (so not durable; it needs one open). settled: both holds
    become moves at once (positions, the control book of a primary mint, a delivery and a
    payment action sharing the outbox entry), the subscription (primary) and the offer
    settled. Not settled: both holds released, the settlement (and its offer) failed with a
    stable code (CHAIN_CODES; `code` is the contract's error name). Idempotent: a settlement
    no longer submitted is left alone (None)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("settlement_outcome runs inside the chain's transaction")
    settlement, offer = _locked(settlement_id)
    if settlement is None or settlement.status != Settlement.Status.SUBMITTED:
        return None
    sec_book, _cash_book, sec, cash = _lock_legs(settlement)
    now = timezone.now()
    if settled:
        _legs_apply(settlement, sec_book, sec, cash)
        _actions_write(settlement)
        transition_many([settlement], to=Settlement.Status.SETTLED, actor=None, also={"decided_at": now})
        events.settlement_settled(settlement, offer_id=offer.pk if offer is not None else None)
        if settlement.subscription_id is not None:
            _subscription_settled(settlement)
        if offer is not None:
            transition(offer, to=TradeOffer.Status.SETTLED, actor=None)
            hooks.trade_settled(settlement, party_ids=[settlement.seller_id, settlement.buyer_id],
                                security=settlement.security.name, units=whole(settlement.units, settlement.security),
                                amount=f"{whole(settlement.price, settlement.cash)} {settlement.cash.currency}")
    else:
        failure = _code_of(code)
        _release(settlement, sec, cash)
        transition_many([settlement], to=Settlement.Status.FAILED, actor=None, reason=failure,
                        also={"decided_at": now, "failure_code": failure, "failure_message": (message or "")[:2000]})
        if offer is not None:
            transition_many([offer], to=TradeOffer.Status.FAILED, actor=None, reason=failure,
                            also={"failure_code": failure})
    return settlement


def _subscription_settled(settlement: Settlement) -> None:
    """The paid subscription is settled. Its status moved meanwhile to one that cannot settle
    (the issuer rejected it while the chain was settling): the units are minted and paid all
    the same (the register follows the chain), and the mismatch is left in the audit trail for
    the issuer to resolve."""
    subscription = Subscription.objects.select_for_update().get(pk=settlement.subscription_id)
    if Subscription.Status.SETTLED in Subscription.TRANSITIONS.get(subscription.status, set()):
        previous = subscription.status
        transition(subscription, to=Subscription.Status.SETTLED, actor=None, reason=f"settlement:{settlement.pk}")
        subscription_changed(subscription, previous=previous)
        hooks.subscription_settled(subscription, units=whole(subscription.units, settlement.security))
        return
    audit_record(action="settlement.subscription_not_settled", obj=subscription,
                 new={"settlement": settlement.pk, "status": subscription.status})


# -- primary: paying a subscription by DvP ------------------------------------------------------

#: Subscription statuses from which the investor may pay by DvP.
PAYABLE = (Subscription.Status.SIGNED, Subscription.Status.ACCEPTED)


def _treasury_wallet(offering: Offering) -> Wallet:
    issuer = offering.security.issuer
    wallet = None
    if issuer.treasury_id is not None:
        wallet = (Wallet.objects.filter(profile__user_id=issuer.treasury_id, status=Wallet.Status.ACTIVE)
                  .order_by("id").first())
    if wallet is None:
        raise ConflictError(_("The issuer's treasury wallet is not open yet."), code="treasury_unavailable")
    return wallet


@transaction.atomic(durable=True)
def subscription_pay(*, subscription: Subscription, wallet: Wallet, actor: User) -> Settlement:
    """The investor pays a subscription of a DvP offering in the cash token from `wallet`
    (one of their active wallets): a primary Settlement of the subscription's units against
    its amount in the offering currency's cash token, seller = the issuer's treasury wallet,
    deadline = now + settings.SETTLEMENT_AUTHORIZATION_SECONDS, awaiting the investor's
    authorization (settlement_authorize / _custodied). Paying again while one is pending
    returns that one; after a failed or expired one a new one is made."""
    subscription = (Subscription.objects.select_for_update(of=("self",))
                    .select_related("offering__security__issuer").filter(pk=subscription.pk).first())
    if subscription is None or actor is None or subscription.investor_id != actor.pk:
        access_deny(actor, object_type="issuance.subscription", object_id=getattr(subscription, "pk", ""),
                    message=_("Not found."))
    offering = subscription.offering
    if offering.settlement_mode != SettlementMode.DVP:
        raise ConflictError(_("This offering is paid off chain: follow its payment instructions."),
                            code="not_dvp_offering")
    pending = subscription.settlements.filter(status__in=[Settlement.Status.AWAITING_AUTHORIZATION,
                                                          Settlement.Status.SUBMITTED]).first()
    if pending is not None:
        return pending
    if subscription.status not in PAYABLE:
        raise ConflictError(_("This subscription cannot be paid now (%(status)s).")
                            % {"status": subscription.get_status_display()}, code="not_payable")
    own = (Wallet.objects.filter(pk=getattr(wallet, "pk", None), profile__user=actor, status=Wallet.Status.ACTIVE)
           .first())
    if own is None:
        message = _("Choose one of your active wallets.")
        raise ApplicationError(message, code="wallet_not_investors", fields={"wallet": [message]})
    cash = cash_security_for(subscription.currency)
    if cash is None:
        raise ConflictError(_("There is no cash token for %(currency)s yet.") % {"currency": subscription.currency},
                            code="cash_token_unavailable")
    treasury = _treasury_wallet(offering)
    price = to_base_units(subscription.amount, cash.decimals)
    if price <= 0:
        raise ApplicationError(_("The amount due must be positive."), code="invalid_price")
    settlement = Settlement.objects.create(
        kind=Settlement.Kind.PRIMARY, security=offering.security, cash=cash, units=int(subscription.units),
        price=price, seller_id=offering.security.issuer.treasury_id, seller_wallet=clean_address(treasury.address),
        buyer=actor, buyer_wallet=clean_address(own.address), subscription=subscription, created_by=actor,
        deadline=timezone.now() + timedelta(seconds=getattr(settings, "SETTLEMENT_AUTHORIZATION_SECONDS", 900)))
    audit_record(action="settlement.created", actor=actor, obj=settlement,
                 new={"kind": settlement.kind, "subscription": subscription.pk, "units": str(settlement.units),
                      "price": str(price), "cash": cash.pk, "deadline": settlement.deadline.isoformat()})
    return settlement
