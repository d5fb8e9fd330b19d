"""GET /chain/status/: the pages' live chain status (chain/status.py), scoped like the pages
that show it, with the explorer link when one is configured."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.tests.factories import MembershipFactory, OrganizationFactory, TOTPDeviceFactory, UserFactory
from core.models import AuditEvent, OutboxEntry
from issuance.tests.factories import IssuerFactory, OfferingFactory, SecurityFactory, SubscriptionFactory
from ledger.services import subscription_settle

URL = reverse("chain:status")
HASH = "0x" + "ab" * 32


@pytest.fixture
def issued(issuer_org, issuer_admin, verified_investor):
    """The persona issuer's bond, 5 units settled to the verified investor by subscription."""
    bond = SecurityFactory(issuer=IssuerFactory(organization=issuer_org), created_by=issuer_admin, symbol="SGB31")
    sub = SubscriptionFactory(offering=OfferingFactory(security=bond, documents=False), investor=verified_investor,
                              units=5, status="ready_to_settle")
    action = subscription_settle(subscription=sub, actor=issuer_admin)
    return sub, action.outbox


def _ask(client, *refs):
    return client.get(URL, {"ref": list(refs)})


def test_the_investor_and_the_issuer_see_the_status_and_it_follows_the_chain(client, login_verified, issued,
                                                                             verified_investor, issuer_admin):
    sub, entry = issued
    client.force_login(verified_investor)
    body = _ask(client, f"outbox:{entry.pk}", f"subscription:{sub.pk}").json()["statuses"]
    assert body[f"outbox:{entry.pk}"]["state"] == "pending"
    assert body[f"subscription:{sub.pk}"]["state"] == "pending"
    assert 'data-testid="chain-status">Pending on chain' in body[f"outbox:{entry.pk}"]["html"]

    OutboxEntry.objects.filter(pk=entry.pk).update(status="confirmed", tx_hash=HASH)
    login_verified(issuer_admin)
    status = _ask(client, f"outbox:{entry.pk}").json()["statuses"][f"outbox:{entry.pk}"]
    assert status["state"] == "confirmed" and status["label"] == "Confirmed on chain"
    assert HASH in status["html"] and "explorer-link" not in status["html"]  # no explorer configured


def test_the_status_words_are_japanese_on_a_japanese_page(client, issued, verified_investor):
    sub, entry = issued
    client.force_login(verified_investor)
    status = client.get(URL, {"ref": f"outbox:{entry.pk}"}, HTTP_ACCEPT_LANGUAGE="ja").json()
    assert status["statuses"][f"outbox:{entry.pk}"]["label"] == "ブロックチェーン反映待ち"


def test_another_tenants_probe_gets_nothing_and_is_recorded(client, login_verified, issued):
    sub, entry = issued
    other_admin = UserFactory(email="admin@other.test", role="issuer")
    MembershipFactory(user=other_admin, organization=OrganizationFactory(name="Other K.K."), role="admin")
    TOTPDeviceFactory(user=other_admin)
    stranger = UserFactory(email="stranger@example.test", role="investor")
    for user in (other_admin, stranger):
        client.logout()
        login_verified(user)
        response = _ask(client, f"outbox:{entry.pk}", f"subscription:{sub.pk}", "outbox:999999")
        assert response.status_code == 200 and response.json() == {"statuses": {}}
        assert AuditEvent.objects.filter(action="access_denied", actor=user, object_type="chain.status").exists()


def test_compliance_reads_every_issuers_statuses(client, login_verified, issued, compliance_officer):
    sub, entry = issued
    login_verified(compliance_officer)
    assert set(_ask(client, f"outbox:{entry.pk}").json()["statuses"]) == {f"outbox:{entry.pk}"}


@pytest.mark.parametrize("refs", [["outbox:abc"], ["wallet:1"], ["outbox:0"], ["outbox:1;drop"],
                                  [",".join(f"outbox:{n}" for n in range(1, 102))]])
def test_bad_refs_are_a_400_with_a_code(client, verified_investor, refs):
    client.force_login(verified_investor)
    response = client.get(URL, {"ref": refs})
    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"invalid_ref", "too_many_refs"}


def test_signed_out_gets_a_403_body_and_posting_is_refused(client, db, verified_investor):
    response = _ask(client, "outbox:1")
    assert response.status_code == 403 and response.json()["error"]["code"] == "not_authenticated"
    client.force_login(verified_investor)
    assert client.post(URL, {"ref": "outbox:1"}).status_code == 405


def test_holdings_and_cap_table_mark_the_status_for_the_script_and_link_the_explorer(
        client, login_verified, settings, issued, verified_investor, issuer_admin):
    settings.CHAIN_EXPLORER_URL = "https://etherscan.io/"
    sub, entry = issued
    client.force_login(verified_investor)
    page = client.get(reverse("ledger:holdings")).content.decode()
    assert f'data-chain-ref="outbox:{entry.pk}" data-chain-state="pending"' in page
    assert 'id="chain-status-live"' in page and "js/chain_status.js" in page

    OutboxEntry.objects.filter(pk=entry.pk).update(status="confirmed", tx_hash=HASH)
    login_verified(issuer_admin)
    page = client.get(reverse("ledger:cap-table", args=[sub.offering.security_id])).content.decode()
    assert f'data-chain-ref="outbox:{entry.pk}" data-chain-state="confirmed"' in page
    assert f'href="https://etherscan.io/tx/{HASH}"' in page and f">{HASH}</code>" in page  # whole, not cut
