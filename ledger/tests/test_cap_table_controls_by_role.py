"""The cap-table page offers each register control only to those the policy lets take it
(accounts/policy.py): settling and moving tokens to issuer admins, freezes and pauses also to
compliance, nothing to plain members (who sign in without 2FA)."""

from __future__ import annotations

from django.urls import reverse


def _page(client, security) -> str:
    return client.get(reverse("ledger:cap-table", args=[security.pk])).content.decode()


def _control(security, op: str) -> str:
    return reverse("ledger:control", args=[security.pk, op])


def test_a_member_sees_the_register_but_no_money_step(client, issuer_member, ready_subscription):
    bond = ready_subscription.offering.security
    client.force_login(issuer_member)
    page = _page(client, bond)
    assert "Settle selected" not in page and "Register controls" not in page
    assert not any(_control(bond, op) in page for op in ("transfer", "redeem", "freeze_tokens", "pause"))


def test_the_admin_gets_every_control_and_compliance_only_freezes_and_pauses(
        client, login_verified, issuer_admin, compliance_officer, ready_subscription):
    bond = ready_subscription.offering.security
    page = _page(login_verified(issuer_admin), bond)
    assert "Settle selected" in page
    assert all(_control(bond, op) in page for op in ("transfer", "redeem", "freeze_tokens", "freeze_wallet", "pause"))
    page = _page(login_verified(compliance_officer), bond)
    assert "Settle selected" not in page
    assert all(_control(bond, op) in page for op in ("freeze_tokens", "freeze_wallet", "pause"))
    assert not any(_control(bond, op) in page for op in ("transfer", "redeem"))
