"""The cash demo loader: two cash agents, the JPY and USD tokens, the demo issuer's treasury;
running it twice changes nothing."""

from __future__ import annotations

from accounts.demo import load_demo_users
from accounts.models import Role, User
from cash.demo import demo_lines
from cash.models import TrustAccount
from core.models import OutboxEntry
from issuance.demo import load_demo_issuance
from issuance.models import Issuer


def test_demo_is_idempotent(db):
    load_demo_users()
    load_demo_issuance()
    assert demo_lines()
    demo_lines()
    assert User.objects.filter(role=Role.CASH_AGENT).count() == 2
    assert sorted(TrustAccount.objects.values_list("currency", flat=True)) == ["JPY", "USD"]
    demo_issuer = Issuer.objects.exclude(securities__kind="cash").get()
    assert demo_issuer.treasury is not None and demo_issuer.treasury.role == Role.TREASURY
    assert OutboxEntry.objects.filter(kind="registry.register_wallet").count() == 1
