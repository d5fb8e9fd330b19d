"""The register's pages: cap table (chart, as-of, CSV), settle buttons, holdings, scoping."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from core.clock import business_today
from core.models import AuditEvent
from issuance.tests.factories import SecurityFactory
from ledger.models import TokenAction
from ledger.services import subscription_settle, tokens_issue


def test_cap_table_shows_holders_percentages_and_history(client, login_verified, bond, issuer_admin, investor_wallet):
    tokens_issue(security=bond, wallet=investor_wallet, amount=8, actor=issuer_admin, reason="placement")
    login_verified(issuer_admin)
    response = client.get(reverse("ledger:cap-table", args=[bond.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert investor_wallet.address in body and "100.00%" in body and "<svg" in body
    assert 'data-testid="chain-status">Pending on chain' in body


def test_cap_table_as_of_yesterday_is_empty_before_the_first_issue(client, login_verified, bond, issuer_admin,
                                                                   investor_wallet):
    tokens_issue(security=bond, wallet=investor_wallet, amount=8, actor=issuer_admin, reason="")
    login_verified(issuer_admin)
    yesterday = (business_today() - dt.timedelta(days=1)).isoformat()
    body = client.get(reverse("ledger:cap-table", args=[bond.pk]), {"as_of": yesterday}).content.decode()
    assert "No holders yet." in body


def test_csv_export(client, login_verified, bond, issuer_admin, investor_wallet, verified_investor):
    tokens_issue(security=bond, wallet=investor_wallet, amount=8, actor=issuer_admin, reason="")
    login_verified(issuer_admin)
    response = client.get(reverse("ledger:cap-table-csv", args=[bond.pk]))
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert response["Content-Type"].startswith("text/csv")
    assert lines[0].startswith("investor,name,wallets,balance_base_units")
    assert lines[1].startswith(f"{verified_investor.email},") and ",8,0,100.00," in lines[1]


def test_outsider_cannot_open_another_issuers_cap_table(client, outsider):
    other = SecurityFactory()
    client.force_login(outsider)
    response = client.get(reverse("ledger:cap-table", args=[other.pk]))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access_denied", actor=outsider).exists()


def test_settle_button_settles_one(client, login_verified, issuer_admin, ready_subscription):
    login_verified(issuer_admin)
    response = client.post(reverse("ledger:settle", args=[ready_subscription.pk]), follow=True)
    assert "settled" in response.content.decode()
    assert TokenAction.objects.filter(cause=f"subscription:{ready_subscription.pk}").exists()


def test_settle_button_shows_the_refusal(client, login_verified, issuer_admin, ready_subscription):
    subscription_settle(subscription=ready_subscription, actor=issuer_admin)
    login_verified(issuer_admin)
    response = client.post(reverse("ledger:settle-bulk", args=[ready_subscription.offering.security_id]),
                           {"subscriptions": []}, follow=True)
    assert "Select at least one subscription." in response.content.decode()


def test_control_form_refusal_is_shown(client, login_verified, issuer_admin, bond, investor_wallet):
    login_verified(issuer_admin)
    response = client.post(reverse("ledger:control", args=[bond.pk, "redeem"]),
                           {"wallet": investor_wallet.address, "amount": "1"}, follow=True)
    assert "holds no tokens" in response.content.decode()
    assert not TokenAction.objects.exists()


def test_investor_sees_holdings_and_transferable_amount(client, bond, issuer_admin, investor_wallet, verified_investor):
    tokens_issue(security=bond, wallet=investor_wallet, amount=8, actor=issuer_admin, reason="")
    client.force_login(verified_investor)
    body = client.get(reverse("ledger:holdings")).content.decode()
    assert "SGB31" in body and investor_wallet.address in body and 'data-testid="holding"' in body


def test_investor_transfer_form_refusal(client, bond, issuer_admin, investor_wallet, verified_investor,
                                        second_investor):
    from ledger.models import Position

    from .conftest import wallet_of

    tokens_issue(security=bond, wallet=investor_wallet, amount=8, actor=issuer_admin, reason="")
    client.force_login(verified_investor)
    position = Position.objects.get(wallet=investor_wallet.address)
    response = client.post(reverse("ledger:transfer", args=[position.pk]),
                           {"to_wallet": wallet_of(second_investor).address, "amount": "9"}, follow=True)
    assert "more than the balance free to move" in response.content.decode()
    assert TokenAction.objects.count() == 1


def test_requests_desk_for_officers(client, login_verified, compliance_officer):
    login_verified(compliance_officer)
    assert client.get(reverse("ledger:requests")).status_code == 200


def test_requests_desk_is_403_for_others(client, issuer_admin, login_verified):
    login_verified(issuer_admin)
    assert client.get(reverse("ledger:requests")).status_code == 403   # a desk their role lacks
    assert AuditEvent.objects.filter(action="access_denied", actor=issuer_admin,
                                     object_type="ledger.compliancerequest").exists()
