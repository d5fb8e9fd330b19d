"""A pending chain status turns to confirmed on the open page, without a reload
(static/js/chain_status.js polling GET /chain/status/), and says so in the aria-live region."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from core.models import OutboxEntry
from issuance.tests.factories import IssuerFactory, SecurityFactory
from ledger.services import tokens_issue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HASH = "0x" + "c0ffee" * 10 + "abcd"


def test_pending_flips_to_confirmed_in_place(live_server, page, issuer_org, issuer_admin, verified_investor):
    from investors.models import Wallet

    bond = SecurityFactory(issuer=IssuerFactory(organization=issuer_org), created_by=issuer_admin, symbol="SGB31")
    wallet = Wallet.objects.get(profile__user=verified_investor)
    action = tokens_issue(security=bond, wallet=wallet, amount=5, actor=issuer_admin, reason="placement")

    client = Client()
    client.force_login(verified_investor)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    page.goto(f"{live_server.url}/ledger/holdings/")
    status = page.locator(f'[data-chain-ref="outbox:{action.outbox_id}"]')
    assert status.get_by_test_id("chain-status").inner_text() == "Pending on chain"
    page.evaluate("window.__samePage = true")

    OutboxEntry.objects.filter(pk=action.outbox_id).update(status="confirmed", tx_hash=HASH)
    status.and_(page.locator('[data-chain-state="confirmed"]')).wait_for(timeout=10_000)

    assert status.get_by_test_id("chain-status").inner_text() == "Confirmed on chain"
    assert status.get_by_test_id("tx-hash").inner_text() == HASH  # whole
    assert status.get_by_role("button", name="Copy the transaction hash").is_visible()
    assert page.locator("#chain-status-live").inner_text() == "Confirmed on chain"
    assert page.evaluate("window.__samePage") is True  # no reload
