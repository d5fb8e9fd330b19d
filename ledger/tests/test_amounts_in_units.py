"""The register's pages count in units of the security, as people do: the amount typed in a
control is whole (or decimal) units, turned into base units by the page; the tables show units."""

from __future__ import annotations

from django.urls import reverse

from issuance.tests.factories import SecurityFactory
from ledger.models import Position, TokenAction
from ledger.services import tokens_issue


def _freeze(client, security, wallet, amount):
    return client.post(reverse("ledger:control", args=[security.pk, "freeze_tokens"]),
                       {"wallet": wallet, "amount": amount, "reason": "court order"}, follow=True)


def test_a_fund_unit_typed_on_the_page_is_a_million_base_units(client, login_verified, issuer, issuer_admin,
                                                               investor_wallet):
    fund = SecurityFactory(issuer=issuer, created_by=issuer_admin, kind="fund", decimals=6, symbol="SKF")
    tokens_issue(security=fund, wallet=investor_wallet, amount=3_000_000, actor=issuer_admin, reason="")
    login_verified(issuer_admin)
    page = _freeze(client, fund, investor_wallet.address, "1.5").content.decode()
    assert Position.objects.get(security=fund, wallet=investor_wallet.address).frozen == 1_500_000
    assert "<td>3</td><td>1.5</td>" in page  # balance and frozen in units on the cap table
    assert "base units" not in page


def test_an_amount_finer_than_the_token_counts_is_refused_with_a_message(client, login_verified, bond,
                                                                         issuer_admin, investor_wallet):
    tokens_issue(security=bond, wallet=investor_wallet, amount=5, actor=issuer_admin, reason="")
    login_verified(issuer_admin)
    for bad in ("1.5", "0", "-1", "abc"):
        response = _freeze(client, bond, investor_wallet.address, bad)
        assert response.status_code == 200
        assert 'class="flash flash-error"' in response.content.decode()
    assert not TokenAction.objects.filter(kind=TokenAction.Kind.FREEZE_TOKENS).exists()
    _freeze(client, bond, investor_wallet.address, "2")
    assert Position.objects.get(security=bond, wallet=investor_wallet.address).frozen == 2
