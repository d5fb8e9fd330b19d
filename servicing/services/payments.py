"""The payment run of a corporate action: the cash token from the issuer's paying account (its
treasury wallet) to the holders of record, in batches through the outbox, each line paid
exactly once (register first, like DvP); and the chain's verdict on each batch.

- payment_run: when the action may be paid (approved, recorded, the payment date reached, the
  chain method, a deployed cash token of its currency, the paying account holding the free
  cash for every line still due), lines go out settings.SERVICING_BATCH_SIZE at a time, up to
  50 batches in ONE transaction: each batch's total held on the paying account's cash position,
  its lines submitted, one `payment.batch` outbox row (key "payment:<action id>:<number>"). Short
  of cash: nothing is paid and the issuer and operators are told (notices.funds_short).
- batch_decided (chain/outcomes, inside the deciding transaction): confirmed -> the hold
  becomes the move (one PAYMENT action per line sharing the batch's outbox entry), lines paid;
  failed -> the hold released, the lines due again (a later run makes a new batch, a new
  number and key, so a line is paid once whatever was tried before). Burn batches of a
  redemption are decided in redemption.py.
- Off chain: the payment file (payment_file) and the lines marked paid with the bank
  reference (lines_mark_paid); no cash token moves.

Lock order: the action, then the cash token's control book (FOR SHARE), then cash positions
in wallet order (ledger.services.locks), the audit chain last.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.policy import Action, policy_ensure
from core import csvsafe
from core.audit import audit_record
from core.clock import business_today
from core.db import in_transaction, insert_rows, update_rows
from core.errors import ApplicationError, ConflictError
from core.lifecycle import transition_many
from core.money import to_base_units
from core.outbox import outbox_put
from core.outbox_payloads import PaymentBatchPayload, payload_from_json
from investors.models import Wallet
from issuance.models import Security
from ledger.models import Position, TokenAction
from ledger.services.locks import book_lock, positions_lock
from ledger.settlement_selectors import cash_security_for
from ledger.templatetags.trading import in_currency, whole
from notifications import hooks

from .. import events
from ..models import CorporateAction, EntitlementLine, PaymentBatch
from . import notices, redemption
from .actions import action_move

S = CorporateAction.Status
L = EntitlementLine.Status
#: Statuses in which lines may be paid.
PAYABLE = (S.RECORDED, S.PAYING)


def batch_size() -> int:
    """Lines per batch (one chain transaction): settings.SERVICING_BATCH_SIZE, at most the
    payload's 1000 wallets."""
    return max(1, min(int(getattr(settings, "SERVICING_BATCH_SIZE", 200)), 1000))


def retry_after() -> timedelta:
    """How long after a failed batch the next run waits before trying the lines again (a
    revert that will recur must not cost a transaction a minute)."""
    return timedelta(seconds=float(getattr(settings, "SERVICING_RETRY_SECONDS", 300)))


@dataclass(frozen=True)
class PayingAccount:
    """Where an action's cash comes from: the cash token of its currency, the issuer's
    treasury (the holder) and its wallet."""

    cash: Security
    holder_id: int
    wallet: str


def paying_account(action: CorporateAction) -> PayingAccount:
    """The action's paying account; ConflictError cash_token_unavailable |
    cash_token_not_deployed | treasury_unavailable."""
    cash = cash_security_for(action.currency)
    if cash is None:
        raise ConflictError(_("There is no cash token for %(currency)s yet.") % {"currency": action.currency},
                            code="cash_token_unavailable")
    if cash.deploy_requested_at is None:
        raise ConflictError(_("The cash token for %(currency)s is not deployed yet.") % {"currency": action.currency},
                            code="cash_token_not_deployed")
    treasury_id = action.security.issuer.treasury_id
    wallet = None
    if treasury_id is not None:
        wallet = (Wallet.objects.filter(profile__user_id=treasury_id, status=Wallet.Status.ACTIVE)
                  .order_by("id").values_list("address", flat=True).first())
    if wallet is None:
        raise ConflictError(_("The issuer's paying account (its treasury wallet) is not open yet."),
                            code="treasury_unavailable")
    return PayingAccount(cash=cash, holder_id=treasury_id, wallet=wallet)


def payment_refusal(action: CorporateAction, *,
                    method: str | None = CorporateAction.Method.CHAIN) -> ConflictError | None:
    """Why the action's lines may not be paid now (None: they may): not_payable (status),
    not_approved, not_due (before the payment date), wrong_method."""
    if action.status not in PAYABLE:
        return ConflictError(_("This corporate action cannot be paid now (%(status)s).")
                             % {"status": action.get_status_display()}, code="not_payable")
    if action.approved_at is None:
        return ConflictError(_("A second person must approve this corporate action before it is paid."),
                             code="not_approved")
    if business_today() < action.payment_date:
        return ConflictError(_("The payment date (%(day)s) has not come yet.") % {"day": action.payment_date},
                             code="not_due")
    if method is not None and action.method != method:
        return ConflictError(_("This corporate action is not paid that way (%(method)s).")
                             % {"method": action.get_method_display()}, code="wrong_method")
    return None


def units_of(line: EntitlementLine, cash: Security) -> int:
    """A line's net in the cash token's base units: exact (a net finer than the token is a bug,
    refused by to_base_units, never rounded)."""
    return to_base_units(line.net, cash.decimals)


def _due_units(action: CorporateAction, account: PayingAccount) -> int:
    net = (action.lines.filter(status=L.DUE, net__gt=0).exclude(wallet=account.wallet)
           .aggregate(total=Sum("net"))["total"])
    return to_base_units(net, account.cash.decimals) if net else 0


def _free_cash(account: PayingAccount) -> int:
    position = Position.objects.filter(security=account.cash, wallet=account.wallet).first()
    return position.free if position is not None else 0


def waiting_after_failure(action: CorporateAction, kind: str = PaymentBatch.Kind.CASH) -> bool:
    """Whether the action's last batch of `kind` failed less than retry_after() ago."""
    last = action.batches.filter(kind=kind).order_by("-id").first()
    return (last is not None and last.status == PaymentBatch.Status.FAILED and last.decided_at is not None
            and last.decided_at > timezone.now() - retry_after())


def next_number(action: CorporateAction) -> int:
    return (PaymentBatch.objects.filter(action=action).aggregate(top=Max("number"))["top"] or 0) + 1


def next_batch_id() -> int:
    """A batch id from the table's sequence: the outbox payload names the batch, and the batch
    row names its outbox entry."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('servicing_paymentbatch', 'id'))")
        return cursor.fetchone()[0]


def lines_open(action: CorporateAction) -> bool:
    """Whether some line still waits for its cash (due or submitted)."""
    return action.lines.filter(status__in=[L.DUE, L.SUBMITTED]).exists()


def action_finish(action: CorporateAction, *, actor: User | None = None) -> bool:
    """Inside the caller's transaction (the action locked): PAID when every line is paid and,
    for a redemption or call, every redeemed unit burned; then the redemption's end (matured,
    or transfers resumed after a partial call). True when it was finished now."""
    if action.status not in PAYABLE or lines_open(action):
        return False
    if action.redeems and not redemption.burns_done(action):
        return False
    action_move(action, to=S.PAID, actor=actor, also={"paid_at": timezone.now()})
    if action.redeems:
        redemption.redemption_finished(action)
    return True


def lines_mark(action: CorporateAction, lines: list[EntitlementLine] | None, *, reference: str,
               query: Q | None = None) -> int:
    """Due lines of the action (these, or those matching `query`) -> paid with `reference`
    (guarded: only lines still due move). Returns the number of lines marked."""
    qs = action.lines.filter(status=L.DUE)
    qs = qs.filter(pk__in=[line.pk for line in lines]) if lines is not None else qs.filter(query or Q())
    return qs.update(status=L.PAID, paid_reference=reference, paid_at=timezone.now())


# -- the run ---------------------------------------------------------------------------------

def payment_run(*, action: CorporateAction, actor: User | None = None) -> list[PaymentBatch]:
    """Pay what is due of `action` now, if it may be paid (module docstring); the batches
    submitted. The sweep calls it without an actor and gets [] when nothing may be paid; a
    person (issuer admin, operator: corporate_action.pay) gets the reason as a 409 instead
    (not_payable, not_approved, not_due, wrong_method, cash_token_unavailable,
    cash_token_not_deployed, treasury_unavailable, funds_short, retry_later). Lines whose net
    is zero, or whose wallet is the paying account itself, are paid without moving cash. Once
    every line of a redemption or call is paid, its burn batches follow (redemption.burn_run)."""
    action = CorporateAction.objects.select_related("security__issuer").get(pk=action.pk)
    if actor is not None:
        policy_ensure(actor, Action.CORPORATE_ACTION_PAY, organization_id=action.security.issuer.organization_id)
    try:
        refusal = payment_refusal(action)
        if refusal is not None:
            raise refusal
        account = paying_account(action)
    except ConflictError:
        if actor is not None:
            raise
        return []
    _pay_without_cash(action_id=action.pk, account=account, actor=actor)
    batches: list[PaymentBatch] = []
    needed = _due_units(action, account)
    if needed > 0:
        if waiting_after_failure(action):
            if actor is not None:
                raise ConflictError(_("The last payment batch failed; the next try is due in a few minutes."),
                                    code="retry_later")
            return []
        free = _free_cash(account)
        if needed > free:
            notices.funds_short(action=action, needed=needed, available=free, cash=account.cash)
            if actor is not None:
                raise ConflictError(_("The paying account does not hold enough free cash for the lines due."),
                                    code="funds_short")
            return []
        while made := _batches_submit(action_id=action.pk, account=account, actor=actor):
            batches.extend(made)
    if action.redeems:
        redemption.burn_run(action=action, actor=actor)
    return batches


@transaction.atomic(durable=True)
def _pay_without_cash(*, action_id: int, account: PayingAccount, actor: User | None) -> int:
    """Lines with nothing to move (net 0, or the paying wallet itself) -> paid; the action
    finished when nothing else is open."""
    action = CorporateAction.objects.select_for_update(of=("self",)).select_related("security").get(pk=action_id)
    if payment_refusal(action) is not None:
        return 0
    marked = lines_mark(action, None, reference="", query=Q(net=0) | Q(wallet=account.wallet))
    if marked:
        audit_record(action="corporate_action.lines_paid", actor=actor, obj=action,
                     new={"lines": marked, "reference": "", "why": "nothing to move"})
    action_finish(action, actor=actor)
    return marked


#: Batches made per transaction: one lock of the action and the paying account for up to
#: 50 x SERVICING_BATCH_SIZE lines (10,000 holders: one transaction, not 50 that each waited
#: on the confirmer's locks: the payment run of the distribution bench went 14.7 s -> ~1 s).
BATCHES_PER_TRANSACTION = 50


@transaction.atomic(durable=True)
def _batches_submit(*, action_id: int, account: PayingAccount, actor: User | None) -> list[PaymentBatch]:
    """The next batches of due lines (id order, SERVICING_BATCH_SIZE each, at most
    BATCHES_PER_TRANSACTION) in one transaction; [] when no line is due, the action may no
    longer be paid, the cash token is paused, or the paying account lacks the free cash (then
    only the batches it covers). A line whose wallet is no longer an active registered wallet
    (revoked since the record) stays due and out of the batches: the chain would refuse the
    whole batch for it; the payment page shows it due until the investor's wallet is sorted out."""
    action = CorporateAction.objects.select_for_update(of=("self",)).select_related("security").get(pk=action_id)
    if payment_refusal(action) is not None:
        return []
    size = batch_size()
    registered = Wallet.objects.filter(status=Wallet.Status.ACTIVE).values("address")
    due = list(action.lines.filter(status=L.DUE, net__gt=0, wallet__in=registered).exclude(wallet=account.wallet)
               .order_by("id")[:size * BATCHES_PER_TRANSACTION])
    if not due:
        return []
    if book_lock(account.cash, share=True).paused:
        return []     # the chain would refuse every payment of a paused cash token
    paying = positions_lock(account.cash, [(account.wallet, None)]).get(account.wallet)
    if paying is None:
        return []
    number = next_number(action)
    batches: list[PaymentBatch] = []
    for start in range(0, len(due), size):
        lines = due[start:start + size]
        amounts = [units_of(line, account.cash) for line in lines]
        total = sum(amounts)
        if paying.free < total:
            break
        paying.held = int(paying.held) + total
        batch_id = next_batch_id()
        payload = PaymentBatchPayload(security_id=account.cash.pk, batch_id=batch_id, from_wallet=account.wallet,
                                      wallets=tuple(line.wallet for line in lines), amounts=tuple(amounts))
        entry = outbox_put(payload, idempotency_key=f"payment:{action.pk}:{number}")
        batch = PaymentBatch.objects.create(id=batch_id, action=action, number=number,
                                            kind=PaymentBatch.Kind.CASH, outbox=entry, total=total,
                                            line_count=len(lines))
        moved = (EntitlementLine.objects.filter(pk__in=[line.pk for line in lines], status=L.DUE)
                 .update(status=L.SUBMITTED, batch=batch))
        if moved != len(lines):
            raise ConflictError(_("The lines changed while the batch was made; run it again."), code="stale_object")
        audit_record(action="paymentbatch.submitted", actor=actor, obj=batch,
                     new={"action": action.pk, "number": number, "kind": batch.kind, "lines": len(lines),
                          "total": str(total), "cash": account.cash.pk, "from": account.wallet})
        batches.append(batch)
        number += 1
    if batches:
        paying.save(update_fields=["held", "updated_at"])
        if action.status == S.RECORDED:
            action_move(action, to=S.PAYING, actor=actor)
    return batches


# -- the chain's verdict ----------------------------------------------------------------------

def _tell_paid(action: CorporateAction, amounts: dict[int, str], languages: dict[int, str]) -> None:
    """Each holder paid now hears it once per action (notifications.hooks.payments_received)."""
    hooks.payments_received(action_id=action.pk, security=action.security.name,
                            label=CorporateAction.Kind(action.kind).label, amounts=amounts, languages=languages)


def batch_decided(*, batch_id: int, confirmed: bool, tx_hash: str = "", reason: str = "") -> PaymentBatch | None:
    """The chain's verdict on a submitted batch, called by chain/ INSIDE the transaction that
    decides its outbox entry (like ledger's settlement_outcome). Idempotent: a batch no longer
    submitted (or unknown) is left alone (None). Cash batch confirmed: the hold on the paying
    account becomes the move (its position down by the total, each holder's cash position up,
    created if missing; one PAYMENT action per line, sharing the batch's outbox entry), the
    lines paid with the tx hash, the action finished when nothing else is open. Failed: the
    hold released, the lines due again, the batch failed with the reason. Burn batches:
    redemption.burn_decided."""
    if not in_transaction():
        raise RuntimeError("batch_decided runs inside the chain's transaction")
    action_id = PaymentBatch.objects.filter(pk=batch_id).values_list("action_id", flat=True).first()
    if action_id is None:
        return None
    action = CorporateAction.objects.select_for_update(of=("self",)).select_related("security").get(pk=action_id)
    batch = PaymentBatch.objects.select_for_update(of=("self",)).select_related("outbox").get(pk=batch_id)
    if batch.status != PaymentBatch.Status.SUBMITTED:
        return None
    if batch.kind == PaymentBatch.Kind.BURN:
        return redemption.burn_decided(action=action, batch=batch, confirmed=confirmed, tx_hash=tx_hash,
                                       reason=reason)
    payload = payload_from_json(batch.outbox.kind, batch.outbox.payload)
    cash = Security.objects.get(pk=payload.security_id)
    lines = list(EntitlementLine.objects.filter(batch=batch, status=L.SUBMITTED).select_related("investor")
                 .order_by("id"))
    amounts = dict(zip(payload.wallets, payload.amounts, strict=True))
    total = int(batch.total)
    now = timezone.now()
    book_lock(cash, share=True)
    if confirmed:
        positions = positions_lock(cash, [(payload.from_wallet, None)]
                                   + [(line.wallet, line.investor) for line in lines])
        paying = positions[payload.from_wallet]
        paying.balance, paying.held = int(paying.balance) - total, int(paying.held) - total
        for line in lines:
            position = positions[line.wallet]
            position.balance = int(position.balance) + amounts[line.wallet]
        for position in positions.values():
            position.updated_at = now
        update_rows(list(positions.values()), ["balance", "held", "updated_at"])
        insert_rows([
            TokenAction(kind=TokenAction.Kind.PAYMENT, security=cash, from_investor_id=paying.investor_id,
                        from_wallet=payload.from_wallet, to_investor=line.investor, to_wallet=line.wallet,
                        amount=amounts[line.wallet], outbox=batch.outbox, origin=TokenAction.Origin.PLATFORM,
                        idempotency_key=f"payment:{batch.pk}:{line.pk}", cause=f"corporate_action:{action.pk}",
                        reason=_("Corporate action %(action)s, batch %(number)s")
                        % {"action": action.pk, "number": batch.number})
            for line in lines])
        EntitlementLine.objects.filter(batch=batch, status=L.SUBMITTED).update(
            status=L.PAID, paid_reference=tx_hash or "", paid_at=now)
        transition_many([batch], to=PaymentBatch.Status.PAID, actor=None, reason=tx_hash or "",
                        also={"decided_at": now})
        events.batch_paid(action, batch, cash=cash)
        paid: dict[int, int] = {}
        for line in lines:
            paid[line.investor_id] = paid.get(line.investor_id, 0) + amounts[line.wallet]
        _tell_paid(action, {holder: f"{whole(units, cash)} {cash.currency}" for holder, units in paid.items()},
                   {line.investor_id: line.investor.language for line in lines})
        action_finish(action)
    else:
        paying = positions_lock(cash, [(payload.from_wallet, None)])[payload.from_wallet]
        paying.held = int(paying.held) - total
        paying.save(update_fields=["held", "updated_at"])
        EntitlementLine.objects.filter(batch=batch, status=L.SUBMITTED).update(status=L.DUE)
        failure = (reason or "failed")[:500]
        transition_many([batch], to=PaymentBatch.Status.FAILED, actor=None, reason=failure,
                   also={"decided_at": now, "failure": failure})
    return batch


# -- off chain ---------------------------------------------------------------------------------

#: The payment file's columns (a bank's import reads them by name; not translated).
PAYMENT_FILE_COLUMNS = ["line_id", "holder", "wallet", "units", "gross", "withheld", "net", "currency"]
#: The longest bank reference kept (EntitlementLine.paid_reference).
REFERENCE_MAX = 100


def _offchain_action(action: CorporateAction, actor: User, *, lock: bool) -> CorporateAction:
    qs = CorporateAction.objects.select_related("security__issuer")
    action = (qs.select_for_update(of=("self",)) if lock else qs).get(pk=action.pk)
    policy_ensure(actor, Action.CORPORATE_ACTION_PAY, organization_id=action.security.issuer.organization_id)
    if action.method != CorporateAction.Method.OFFCHAIN:
        raise ConflictError(_("This corporate action is paid in the cash token on chain, not by bank transfer."),
                            code="not_offchain")
    return action


def _holder_name(line: EntitlementLine) -> str:
    profile = getattr(line.investor, "investor_profile", None)   # None when missing (an AttributeError)
    return getattr(profile, "legal_name", "") or line.investor.get_full_name()


@transaction.atomic(durable=True)
def payment_file(*, action: CorporateAction, actor: User) -> str:
    """The bank payment file of an off-chain action: one CSV row per line still due (holder's
    legal name, wallet, units, gross, withheld, net, currency, line id), formula-safe
    (core.csvsafe). 409 not_offchain for a chain action; corporate_action.pay refusals."""
    action = _offchain_action(action, actor, lock=False)
    stream = io.StringIO()
    writer = csvsafe.writer(stream)
    writer.writerow(PAYMENT_FILE_COLUMNS)
    lines = action.lines.filter(status=L.DUE).select_related("investor__investor_profile").order_by("id")
    count = 0
    for line in lines.iterator(chunk_size=1000):
        writer.writerow([line.pk, _holder_name(line), line.wallet, int(line.units), line.gross, line.withheld,
                         line.net, action.currency])
        count += 1
    audit_record(action="corporate_action.payment_file", actor=actor, obj=action, new={"lines": count})
    return stream.getvalue()


def clean_reference(reference: object) -> str:
    """A bank reference: 1..100 printable characters (surrounding spaces dropped)."""
    value = str(reference or "").strip()
    if not value or len(value) > REFERENCE_MAX or not value.isprintable():
        message = _("Enter the bank's reference of the payment (1 to %(max)s printable characters).") % {
            "max": REFERENCE_MAX}
        raise ApplicationError(message, code="reference_required", fields={"reference": [message]})
    return value


def _clean_line_ids(line_ids: object) -> list[int]:
    message = _("Choose the lines to mark paid.")
    try:
        ids = sorted({int(pk) for pk in line_ids})
    except (TypeError, ValueError):
        raise ApplicationError(message, code="invalid_lines", fields={"lines": [message]}) from None
    if not ids:
        raise ApplicationError(message, code="invalid_lines", fields={"lines": [message]})
    return ids


@transaction.atomic(durable=True)
def lines_mark_paid(*, action: CorporateAction, reference: str, line_ids: list[int] | None = None,
                    actor: User) -> int:
    """An off-chain action's lines paid by bank transfer: `line_ids` (each due; all remaining
    due lines when None) marked paid with the bank `reference`; the action PAID when no line
    is left (a redemption's burns follow through the sweep). Returns the number of lines.
    Refused: not_offchain, the payment guards (not_payable, not_approved, not_due),
    reference_required, invalid_lines, unknown_line (not a line of this action), line_not_due
    (paid already), nothing_due."""
    action = _offchain_action(action, actor, lock=True)
    refusal = payment_refusal(action, method=None)
    if refusal is not None:
        raise refusal
    reference = clean_reference(reference)
    if line_ids is None:
        lines = list(action.lines.filter(status=L.DUE).only("id", "status"))
    else:
        ids = _clean_line_ids(line_ids)
        lines = list(action.lines.filter(pk__in=ids).only("id", "status"))
        if len(lines) != len(ids):
            message = _("Some of these lines are not lines of this corporate action.")
            raise ApplicationError(message, code="unknown_line", fields={"lines": [message]})
        if any(line.status != L.DUE for line in lines):
            raise ConflictError(_("Some of these lines are not due any more (paid already)."), code="line_not_due")
    if not lines:
        raise ConflictError(_("No line of this corporate action is due."), code="nothing_due")
    marked = lines_mark(action, lines, reference=reference)
    if marked != len(lines):
        raise ConflictError(_("The lines changed meanwhile; try again."), code="stale_object")
    if action.status == S.RECORDED:
        action_move(action, to=S.PAYING, actor=actor)
    audit_record(action="corporate_action.lines_paid", actor=actor, obj=action,
                 new={"lines": marked, "line_ids": [line.pk for line in lines][:1000], "reference": reference})
    paid: dict[int, Decimal] = {}
    languages: dict[int, str] = {}
    for holder, net, language in action.lines.filter(pk__in=[line.pk for line in lines]).values_list(
            "investor_id", "net", "investor__language"):
        paid[holder] = paid.get(holder, Decimal(0)) + net
        languages[holder] = language
    events.lines_paid(action, line_ids=[line.pk for line in lines], net_total=sum(paid.values(), Decimal(0)))
    _tell_paid(action, {holder: f"{in_currency(net, action.currency):,} {action.currency}"
                        for holder, net in paid.items()}, languages)
    action_finish(action, actor=actor)
    return marked
