"""What the rule engine decides on, read from the register: the security's rules with the
control book's pause and the positions' lock-ups, an investor's facts at a wallet, holdings
and holder counts (checked against the business date, core.clock.business_today). Read-only:
the services and the selectors both use it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from django.db import connection
from django.db.models import Count, Q, Sum

from accounts.models import User
from compliance import rules
from compliance.selectors import investor_facts_for, profile_facts
from investors.models import InvestorProfile, Wallet
from issuance.models import Security

from .models import ControlBook, Position


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


def _loaded(model, values: dict):
    """A model instance as the ORM builds it from a partial row (Model.from_db wants the
    values in the model's field order; the missing fields are deferred)."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])

