"""cash_token_create: the trust bank's issuer, the cash security, its book, trust account and
deploy row, once per currency; only cash agents; cash tokens stay out of issuers' lists."""

from __future__ import annotations

import pytest

from cash.models import TrustAccount
from cash.services import cash_token_create
from core.errors import ApplicationError
from core.models import OutboxEntry
from issuance.models import Security
from ledger.models import ControlBook

pytestmark = pytest.mark.django_db


def test_creates_the_token_once_per_currency(cash_agent, second_cash_agent):
    jpy = cash_token_create(currency="jpy", actor=cash_agent)
    again = cash_token_create(currency="JPY", actor=second_cash_agent)
    usd = cash_token_create(currency="USD", actor=cash_agent)

    assert again.pk == jpy.pk and TrustAccount.objects.count() == 2
    assert (jpy.security.kind, jpy.security.symbol, jpy.security.decimals) == (Security.Kind.CASH, "JPYTC", 0)
    assert usd.security.decimals == 2 and usd.security.issuer_id == jpy.security.issuer_id
    assert jpy.security.issuer.is_approved and jpy.security.issuer.legal_name == "Shoken Trust Bank"
    assert ControlBook.objects.filter(security=jpy.security, outstanding=0).exists()
    deploys = OutboxEntry.objects.filter(kind="token.deploy").values_list("payload__security_id", flat=True)
    assert sorted(deploys) == sorted([jpy.security_id, usd.security_id])


@pytest.mark.parametrize("persona", ["compliance_officer", "operator", "verified_investor", "issuer_admin"])
def test_only_cash_agents(persona, request):
    with pytest.raises(ApplicationError) as exc:
        cash_token_create(currency="JPY", actor=request.getfixturevalue(persona))
    assert (exc.value.status, exc.value.code) == (403, "cash_agent_required")
    assert not TrustAccount.objects.exists() and not Security.objects.filter(kind="cash").exists()


def test_unknown_currency_is_refused(cash_agent):
    with pytest.raises(ApplicationError) as exc:
        cash_token_create(currency="EUR", actor=cash_agent)
    assert (exc.value.status, exc.value.code) == (400, "invalid_currency")


def test_a_cash_token_is_never_offered(cash_agent):
    from accounts.models import Membership, Role
    from accounts.tests.factories import UserFactory
    from issuance.services import offering_create

    account = cash_token_create(currency="JPY", actor=cash_agent)
    staff = UserFactory(role=Role.ISSUER)
    Membership.objects.create(user=staff, organization_id=account.security.issuer.organization_id,
                              role=Membership.Role.ADMIN)
    with pytest.raises(ApplicationError) as exc:
        offering_create(security=account.security, data={}, actor=staff)
    assert (exc.value.status, exc.value.code) == (409, "not_offerable")
