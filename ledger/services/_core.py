"""Building blocks shared by the register's services (not a public API).

Lock order, the same in every use case so concurrent ones never deadlock:
  1. the security's control book (FOR UPDATE when it changes or for pause, FOR SHARE otherwise),
  2. positions, sorted by (security_id, wallet), inserted-if-missing in that order first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role, User
from compliance import rules
from compliance.selectors import investor_facts_for, profile_facts
from core.audit import audit_record_many
from core.db import insert_rows
from core.errors import ApplicationError, ConflictError
from core.outbox import outbox_put_many
from investors.models import InvestorProfile, Wallet
from investors.wallet_proof import checksum
from issuance.models import Security

from ..models import ControlBook, Position, TokenAction
from .client_keys import CLIENT_ORG, client_key_clean, client_key_stored

OUTBOX_KIND = {
    TokenAction.Kind.ISSUE: "token.mint",
    TokenAction.Kind.REDEEM: "token.burn",
    TokenAction.Kind.TRANSFER: "token.transfer",
    TokenAction.Kind.FORCED_TRANSFER: "token.forced_transfer",
    TokenAction.Kind.FREEZE_WALLET: "token.freeze_wallet",
    TokenAction.Kind.UNFREEZE_WALLET: "token.freeze_wallet",
    TokenAction.Kind.FREEZE_TOKENS: "token.freeze_tokens",
    TokenAction.Kind.UNFREEZE_TOKENS: "token.unfreeze_tokens",
    TokenAction.Kind.RECOVER: "token.recover_wallet",
    TokenAction.Kind.PAUSE: "token.pause",
    TokenAction.Kind.UNPAUSE: "token.unpause",
}


# -- permissions (who may do what: accounts.policy; the services call policy_ensure) -----

def _member_role(actor: User | None, security: Security) -> str | None:
    if actor is None or not actor.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=actor, organization_id=security.issuer.organization_id)
        .values_list("role", flat=True)
        .first()
    )


# The security, the actor's role in its issuer (one row at most: (user, organization) is
# unique), the issuer's organization and the action already recorded under the client's
# idempotency key (in the organization's namespace for its members, else in the actor's own:
# the same rule as client_key_stored), in one statement.
_SECURITY_LOAD = (
    "SELECT s.*, o.issuer_organization_id, o.member_role,"
    " (SELECT a.id FROM ledger_tokenaction a WHERE a.idempotency_key = CASE WHEN o.member_role IS NULL"
    "  THEN %s::text ELSE %s::text || o.issuer_organization_id::text || ':' || %s::text END) AS recorded_pk"
    " FROM issuance_security s CROSS JOIN LATERAL ("
    "  SELECT i.organization_id AS issuer_organization_id,"
    "   (SELECT m.role FROM accounts_membership m WHERE m.organization_id = i.organization_id AND m.user_id = %s)"
    "   AS member_role"
    "  FROM issuance_issuer i WHERE i.id = s.issuer_id) o"
    " WHERE s.id = %s"
)


def security_load(security: Security, actor: User | None, *, client_key: str | None = None) -> Security:
    """The security, annotated with `member_role` (the actor's role in the issuer's
    organization, None when not a member), `issuer_organization_id` and `recorded_pk` (the
    action already recorded under the client's idempotency key `client_key` (as sent, checked
    by client_key_clean) in the actor's namespace, if any): what a use case starts from, in
    ONE query. A raw query: on this hot path the ORM's query building costs more than the
    query (~0.8 ms). `security.stored_key` is the key to record the new action under."""
    user_id = actor.pk if actor is not None and actor.is_authenticated else None
    user_key = client_key_stored(client_key, actor=actor, organization_id=None)
    params = [user_key, CLIENT_ORG, client_key, user_id, security.pk]
    found = list(Security.objects.raw(_SECURITY_LOAD, params))
    if not found:
        raise Security.DoesNotExist(f"Security {security.pk} does not exist")
    loaded = found[0]
    organization = loaded.issuer_organization_id if loaded.member_role is not None else None
    loaded.stored_key = client_key_stored(client_key, actor=actor, organization_id=organization)
    return loaded


_WALLET_FIELDS = ("id", "profile_id", "address", "status")
_PROFILE_FIELDS = ("id", "user_id", "kyc_status", "kyc_expires_on", "residence_country", "investor_status")
_COLUMNS = ", ".join([f"w.{f}" for f in _WALLET_FIELDS] + [f"p.{f}" for f in _PROFILE_FIELDS])
_WALLET_LOAD = (  # column names from the constants above; the id is a parameter
    f"SELECT {_COLUMNS} FROM investors_wallet w"  # noqa: S608
    " JOIN investors_investorprofile p ON p.id = w.profile_id WHERE w.id = %s"
)


def wallet_load(pk: int) -> Wallet:
    """The wallet with its profile and investor attached, loaded with only what issuing to it
    needs (facts_for_wallet's fields; the rest, the profile's encrypted PII included, is
    deferred exactly as with .only(), so nothing is decrypted and a save would write only
    these fields), in ONE query. Raises Wallet.DoesNotExist."""
    with connection.cursor() as cursor:
        cursor.execute(_WALLET_LOAD, [pk])
        row = cursor.fetchone()
    if row is None:
        raise Wallet.DoesNotExist(f"Wallet {pk} does not exist")
    wallet = _loaded(Wallet, dict(zip(_WALLET_FIELDS, row[:len(_WALLET_FIELDS)], strict=True)))
    profile = _loaded(InvestorProfile, dict(zip(_PROFILE_FIELDS, row[len(_WALLET_FIELDS):], strict=True)))
    profile.user = _loaded(User, {"id": profile.user_id})
    wallet.profile = profile
    return wallet


def _loaded(model, values: dict):  # noqa: ANN001, ANN202
    """A model instance as the ORM builds it from a partial row (Model.from_db wants the
    values in the model's field order; the missing fields are deferred)."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])


def is_officer(actor: User | None) -> bool:
    return actor is not None and actor.is_authenticated and actor.role == Role.COMPLIANCE


# -- input -------------------------------------------------------------------------------

def clean_amount(amount: object, *, field: str = "amount") -> int:
    """A positive whole number of base units (int, integral Decimal or a string of digits)."""
    value = None
    if isinstance(amount, bool):
        value = None
    elif isinstance(amount, int):
        value = amount
    elif isinstance(amount, Decimal) and amount.is_finite() and amount == amount.to_integral_value():
        value = int(amount)
    elif isinstance(amount, str) and amount.strip().isascii() and amount.strip().isdigit():
        value = int(amount.strip())  # ASCII only: "²".isdigit() is True and int("²") raises
    if value is None or value <= 0 or value >= 2**256:  # a uint256 on chain
        message = _("The amount must be a positive whole number of base units.")
        raise ApplicationError(message, code="invalid_amount", fields={field: [message]})
    return value


def clean_reason(reason: str, *, required: bool = True) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        message = _("Give a reason.")
        raise ApplicationError(message, code="reason_required", fields={"reason": [message]})
    return reason[:2000]


def clean_address(address: str, *, field: str = "wallet") -> str:
    value = checksum(address or "")
    if value is None:
        message = _("Enter a valid wallet address (0x followed by 40 hexadecimal digits).")
        raise ApplicationError(message, code="invalid_wallet", fields={field: [message]})
    return value


def wallet_owner(address: str, *, active_only: bool = True) -> tuple[str, User | None]:
    """(checksum address, its investor) from investors.Wallet: the active binding, else
    (unless active_only) the latest one. (address, None) when the register does not know it."""
    address = clean_address(address)
    wallets = Wallet.objects.filter(address=address).select_related("profile__user")
    found = wallets.filter(status=Wallet.Status.ACTIVE).first()
    if found is None and not active_only:
        found = wallets.order_by("-id").first()
    return address, (found.profile.user if found else None)


def refuse(verdict: rules.Verdict) -> ApplicationError:
    reasons = [code.name.lower() for code in verdict.reasons]
    return ApplicationError(_(verdict.message), code=verdict.reason, fields={"reasons": reasons})


# -- locks -------------------------------------------------------------------------------

def book_lock(security: Security, *, share: bool = False) -> ControlBook:
    """The security's control book, created on first use, locked FOR UPDATE (or FOR SHARE
    for use cases that only read it: transfers read `paused`)."""
    if not share:
        # Usually the book exists: lock it in one query (raw: the hot path of every use
        # case, and the ORM's query building costs more than the query); create it only on
        # first use.
        found = list(ControlBook.objects.raw(
            "SELECT * FROM ledger_controlbook WHERE security_id = %s FOR UPDATE", [security.pk]))
        if found:
            return found[0]
    ControlBook.objects.bulk_create(
        [ControlBook(security=security, authorized=int(security.authorized_shares or 0))], ignore_conflicts=True
    )
    if not share:
        return ControlBook.objects.select_for_update().get(security=security)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM ledger_controlbook WHERE security_id = %s FOR SHARE", [security.pk])
    return ControlBook.objects.get(security=security)


def positions_lock(security: Security, holders: Iterable[tuple[str, User | None]], *,
                   book_exclusive: bool = False) -> dict[str, Position]:
    """Lock (creating if missing) the positions of these (wallet, investor) pairs in wallet
    order. A pair with investor None must already exist.

    `book_exclusive`: the caller holds the control book FOR UPDATE, so no other use case of
    this security is taking position locks; the existing rows are then locked first in one
    query and only the missing ones are inserted (then all are locked again, in order)."""
    holders = sorted(dict(holders).items())
    if book_exclusive:
        wallets = [w for w, _u in holders]
        locked = {p.wallet: p for p in Position.objects.raw(   # raw: see book_lock
            "SELECT * FROM ledger_position WHERE security_id = %s AND wallet = ANY(%s) ORDER BY wallet FOR UPDATE",
            [security.pk, wallets])}
        if len(locked) == len(wallets):
            return locked
    new = [Position(security=security, wallet=w, investor=u) for w, u in holders if u is not None]
    if new:
        Position.objects.bulk_create(new, ignore_conflicts=True)
    wallets = [w for w, _u in holders]
    locked = Position.objects.select_for_update().filter(security=security, wallet__in=wallets).order_by("wallet")
    return {p.wallet: p for p in locked}


def position_save(position: Position) -> None:
    position.save(update_fields=["balance", "frozen", "wallet_frozen", "updated_at"])


_REGISTER_SAVE = (
    "WITH book AS (UPDATE ledger_controlbook SET issued = %s, redeemed = %s, outstanding = %s, updated_at = %s"
    " WHERE id = %s)"
    " UPDATE ledger_position AS p SET balance = v.balance, frozen = v.frozen, wallet_frozen = v.wallet_frozen,"
    " updated_at = %s FROM (VALUES {rows}) AS v(id, balance, frozen, wallet_frozen) WHERE p.id = v.id"
)


def register_save(book: ControlBook, positions: Iterable[Position]) -> None:
    """position_save for each of these positions and book.save(), in ONE statement (the
    book's UPDATE rides along as a data-modifying CTE). The rows are locked already; the
    CHECK constraints hold as for save()."""
    positions = list({p.pk: p for p in positions}.values())
    now = timezone.now()
    params = [int(book.issued), int(book.redeemed), int(book.outstanding), now, book.pk, now]
    for position in positions:
        params += [position.pk, int(position.balance), int(position.frozen), bool(position.wallet_frozen)]
        position.updated_at = now
    book.updated_at = now
    rows = ", ".join(["(%s::bigint, %s::numeric, %s::numeric, %s::boolean)"] * len(positions))
    with connection.cursor() as cursor:
        cursor.execute(_REGISTER_SAVE.format(rows=rows), params)


# -- facts for the rule engine ---------------------------------------------------------------

def today():  # noqa: ANN201
    return timezone.localdate()


def rules_for(security: Security, book: ControlBook, *positions: Position | None) -> rules.SecurityRules:
    base = security.rules()
    lockup = base.lockup_until
    for position in positions:
        if position is not None and position.locked_until and (lockup is None or position.locked_until > lockup):
            lockup = position.locked_until
    return dataclasses.replace(base, paused=book.paused, lockup_until=lockup)


def facts_for(user: User, wallet: str, position: Position | None) -> rules.InvestorFacts:
    facts = investor_facts_for(user=user, wallet=wallet)
    frozen = bool(position is not None and position.wallet_frozen)
    return dataclasses.replace(facts, wallet_frozen=frozen)


def facts_for_wallet(wallet: Wallet, position: Position | None) -> rules.InvestorFacts:
    """investor_facts_for(user=wallet's investor, wallet=its address) from a Wallet loaded with
    select_related("profile__user"), without querying again: the wallet is the investor's
    own, so it is registered exactly when it is active."""
    return profile_facts(wallet.profile, investor_id=wallet.profile.user_id,
                         wallet_registered=wallet.status == Wallet.Status.ACTIVE,
                         wallet_frozen=bool(position is not None and position.wallet_frozen))


def holdings_needed(security_rules: rules.SecurityRules) -> bool:
    """Whether check_issue's receiving rules (max/min holding, max holders) can refuse at all;
    when none is set the holding facts cannot change the verdict and need not be read."""
    return bool(security_rules.max_holding or security_rules.min_holding or security_rules.max_holders)


def holdings_read(security: Security, investor_ids: Iterable[int]) -> tuple[dict[int, int], int]:
    """({investor id: balance over all their wallets}, holder count) in ONE query."""
    investor_ids = sorted(set(investor_ids))
    aggregates = {f"b{pk}": Sum("balance", filter=Q(investor_id=pk)) for pk in investor_ids}
    row = Position.objects.filter(security=security).aggregate(
        holders=Count("investor", distinct=True, filter=Q(balance__gt=0)), **aggregates)
    return {pk: int(row[f"b{pk}"] or 0) for pk in investor_ids}, int(row["holders"] or 0)


def holding_for(security: Security, user: User, position: Position | None) -> rules.HoldingFacts:
    balance = Position.objects.filter(security=security, investor=user).aggregate(s=Sum("balance"))["s"] or 0
    holders = Position.objects.filter(security=security, balance__gt=0).values("investor").distinct().count()
    free = position.free if position is not None else 0
    return rules.HoldingFacts(balance=int(balance), free_balance=free, holder_count=holders)


# -- writing an action -----------------------------------------------------------------------

# -- idempotency keys (the client's own: client_keys.py) --------------------------------------

def client_key_for(key: object, *, actor: User | None, security: Security) -> str | None:
    """client_key_stored for an actor acting on `security`: the issuer organization's
    namespace when the actor is one of its members, else the actor's own."""
    key = client_key_clean(key)
    if key is None:
        return None
    organization = security.issuer.organization_id if _member_role(actor, security) is not None else None
    return client_key_stored(key, actor=actor, organization_id=organization)


def existing_action(stored_key: str | None, **expected) -> TokenAction | None:  # noqa: ANN003
    """The action already recorded under this (stored) key, if it is the same action; a
    different action under the same key is refused (nothing written)."""
    if not stored_key:
        return None
    action = TokenAction.objects.filter(idempotency_key=stored_key).first()
    return None if action is None else same_action(action, **expected)


def same_action(action: TokenAction, **expected) -> TokenAction:  # noqa: ANN003
    """`action` when it has the expected field values (a retry of it), else the 409
    idempotency_conflict of a different request under the same key."""
    for field, value in expected.items():
        have = getattr(action, field)
        if field == "amount":
            have, value = int(have), int(value)
        if have != value:
            message = _("This idempotency key was already used for a different request.")
            raise ConflictError(message, code="idempotency_conflict", fields={"Idempotency-Key": [message]})
    return action


def _payload(action: TokenAction) -> dict:
    kind, sid = action.kind, action.security_id
    K = TokenAction.Kind
    if kind in (K.ISSUE, K.FREEZE_TOKENS, K.UNFREEZE_TOKENS):
        return {"security_id": sid, "wallet": action.to_wallet or action.from_wallet, "amount": str(int(action.amount))}
    if kind == K.REDEEM:
        return {"security_id": sid, "wallet": action.from_wallet, "amount": str(int(action.amount))}
    if kind in (K.TRANSFER, K.FORCED_TRANSFER):
        return {"security_id": sid, "from_wallet": action.from_wallet, "to_wallet": action.to_wallet,
                "amount": str(int(action.amount))}
    if kind in (K.FREEZE_WALLET, K.UNFREEZE_WALLET):
        return {"security_id": sid, "wallet": action.from_wallet, "frozen": kind == K.FREEZE_WALLET}
    if kind == K.RECOVER:
        return {"security_id": sid, "lost_wallet": action.from_wallet, "new_wallet": action.to_wallet}
    return {"security_id": sid}


def action_record(*, kind: str, security: Security, actor: User | None, idempotency_key: str | None = None,
                  reason: str = "", cause: str = "", from_investor: User | None = None, from_wallet: str = "",
                  to_investor: User | None = None, to_wallet: str = "", amount: int = 0) -> TokenAction:
    """Append one platform action with its outbox row (key f"action:{id}") and audit event
    (actions_record_many for one)."""
    spec = {"idempotency_key": idempotency_key, "reason": reason, "cause": cause, "from_investor": from_investor,
            "from_wallet": from_wallet, "to_investor": to_investor, "to_wallet": to_wallet, "amount": amount}
    return actions_record_many(kind=kind, security=security, actor=actor, specs=[spec])[0]


def actions_record_many(*, kind: str, security: Security, actor: User | None,
                        specs: list[dict]) -> list[TokenAction]:
    """Append platform actions of one security, each with its outbox row (key
    f"action:{id}") and audit event, in a constant number of queries: the ids from the
    sequence first (so the outbox rows can name them and each action row is written once,
    complete: the table refuses UPDATE), the outbox rows in one INSERT, the actions in one,
    and the audit events last, in one, so the audit chain's global lock is held only for them.
    `specs`: dicts of action_record's keyword arguments (idempotency_key, reason, cause,
    from_/to_investor, from_/to_wallet, amount)."""
    if not specs:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('ledger_tokenaction', 'id')) "
                       "FROM generate_series(1, %s)", [len(specs)])
        pks = sorted(row[0] for row in cursor.fetchall())
    who = actor if actor is not None and actor.is_authenticated else None
    actions = [
        TokenAction(
            id=pk, kind=kind, security=security, actor=who, origin=TokenAction.Origin.PLATFORM,
            idempotency_key=spec.get("idempotency_key") or f"action:{pk}", reason=spec.get("reason", ""),
            cause=spec.get("cause", ""), from_investor=spec.get("from_investor"),
            from_wallet=spec.get("from_wallet", ""), to_investor=spec.get("to_investor"),
            to_wallet=spec.get("to_wallet", ""), amount=spec.get("amount", 0),
        )
        for pk, spec in zip(pks, specs, strict=True)
    ]
    entries = outbox_put_many([(OUTBOX_KIND[kind], _payload(action), f"action:{action.pk}") for action in actions])
    for action, entry in zip(actions, entries, strict=True):
        action.outbox = entry
    insert_rows(actions)
    audit_record_many([
        {"action": f"ledger.{kind}", "actor": actor, "obj": action,
         "new": {"security": security.pk, "from": action.from_wallet, "to": action.to_wallet,
                 "amount": str(action.amount), "reason": action.reason, "cause": action.cause,
                 "idempotency_key": action.idempotency_key}}
        for action in actions
    ])
    return actions


def duplicate_key(error: IntegrityError) -> bool:
    return "idempotency_key" in str(error)


def run_idempotent(fn, /, **kwargs):  # noqa: ANN001, ANN003, ANN201
    """Run a durable use case; when a concurrent twin committed the same idempotency key
    first (unique violation), run it once more: it then finds what the twin recorded and
    returns it (the same request) or refuses it (idempotency_conflict, another request)."""
    try:
        return fn(**kwargs)
    except IntegrityError as error:
        if not duplicate_key(error) or transaction.get_connection().in_atomic_block:
            raise
    return fn(**kwargs)
