"""The register's pages read amounts like every page (core.forms): full-width digits typed
on a Japanese keyboard work, superscripts and other scripts' digits are refused with a
message and change nothing (issue 11, "Inputs that crash or slip through")."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ledger.models import Position
from ledger.services import tokens_issue


@pytest.fixture
def held(bond, issuer_admin, investor_wallet):
    tokens_issue(security=bond, wallet=investor_wallet, amount=10, actor=issuer_admin, reason="placement")
    return investor_wallet


def _balance(bond, wallet) -> int:
    return int(Position.objects.get(security=bond, wallet=wallet.address).balance)


def test_redeem_page_takes_full_width_digits(client, login_verified, bond, issuer_admin, held):
    login_verified(issuer_admin)
    response = client.post(reverse("ledger:control", args=[bond.pk, "redeem"]),
                           {"wallet": held.address, "amount": "３", "reason": "buy-back"}, follow=True)
    assert "flash-error" not in response.content.decode()
    assert _balance(bond, held) == 7


@pytest.mark.parametrize("amount", ["²", "٣", "1_0", "３²", "1e1", "NaN"])
def test_redeem_page_refuses_other_digits_with_a_message(client, login_verified, bond, issuer_admin, held, amount):
    login_verified(issuer_admin)
    response = client.post(reverse("ledger:control", args=[bond.pk, "redeem"]),
                           {"wallet": held.address, "amount": amount, "reason": "buy-back"}, follow=True)
    assert response.status_code == 200
    assert "Enter a number in digits (0-9)" in response.content.decode()
    assert _balance(bond, held) == 10
