"""The cash invariant: at every commit, each cash token's control book outstanding equals its
trust account's recorded balance in the token's base units (the fiat held in trust covers
every token exactly). The reconciler reports a difference as a break (chain/reconciler.py)."""

from __future__ import annotations

from issuance.models import Security
from ledger.models import ControlBook

from .amounts import base_units
from .models import TrustAccount


def trust_problems(*, security: Security | None = None) -> list[str]:
    """One line per cash token whose control book and trust account differ (empty: in balance)."""
    from core.money import Money

    accounts = TrustAccount.objects.select_related("security")
    if security is not None:
        accounts = accounts.filter(security=security)
    books = {b.security_id: int(b.outstanding) for b in ControlBook.objects.filter(
        security_id__in=[a.security_id for a in accounts])}
    problems = []
    for account in accounts:
        outstanding = books.get(account.security_id, 0)
        trust = base_units(Money(account.balance, account.currency)) if account.balance else 0
        if outstanding != trust:
            problems.append(f"cash {account.currency} (security {account.security_id}): control book outstanding "
                            f"{outstanding} != trust account {account.balance} ({trust} base units)")
    return problems
