"""The settlement story in a real browser, mirrored on a real chain: the issuer admin settles
two accepted, funded subscriptions from the cap table; a real Celery worker (on this run's
own queue) relays the mints to the session's anvil and confirms them; the cap table then
shows the holders with confirmed status and transaction hashes, and the investor sees the
holding on their page.

Before the browser part, the chain is prepared as production would be: the investor
registry is deployed (chain.services.registry_deploy), and the security's token.deploy and
the investors' registry.register_wallet outbox rows are relayed by the worker."""

from __future__ import annotations

import os
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from core.models import OutboxEntry
from core.outbox import outbox_put
from issuance.models import Subscription
from issuance.services.offerings import deploy_payload
from issuance.tests.factories import IssuerFactory, OfferingFactory, SecurityFactory, SubscriptionFactory
from ledger.models import TokenAction
from ledger.tests.factories import approved_investor

from .test_offering_flow import _sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUEUE = f"ledger-e2e-{os.environ.get('TEST_DB_NAME', 'test_shoken')}-{os.getpid()}"


def _wait_all_confirmed(what: str, timeout: float = 60.0) -> None:
    """Bounded polling: every outbox row confirmed, or fail with what is left."""
    from chain.tasks import relay_sweep_task

    deadline = time.monotonic() + timeout
    next_kick = 0.0
    while OutboxEntry.objects.exclude(status=OutboxEntry.Status.CONFIRMED).exists():
        left = list(OutboxEntry.objects.exclude(status=OutboxEntry.Status.CONFIRMED)
                    .values_list("kind", "status", "last_error"))
        assert time.monotonic() < deadline, f"{what}: not confirmed within {timeout}s: {left}"
        assert not any(status == OutboxEntry.Status.FAILED for _k, status, _e in left), f"{what}: failed: {left}"
        if time.monotonic() > next_kick:  # as beat's sweep would, in case a kick raced a commit
            relay_sweep_task.apply_async(queue=QUEUE)
            next_kick = time.monotonic() + 2.0
        time.sleep(0.1)


def test_issuer_settles_subscriptions_and_the_chain_mirrors_them(live_server, browser, settings, chain_snapshot,
                                                                 issuer_admin, issuer_org, verified_investor):
    from chain.backend import get_backend
    from chain.models import DeployedContract
    from chain.services import registry_deploy
    from config.celery import app

    settings.CHAIN_RPC_URL = chain_snapshot.rpc_url
    settings.CHAIN_SIGNER_KEY = chain_snapshot.keys[0]
    settings.CHAIN_CONFIRMATIONS = 0
    settings.CHAIN_REBROADCAST_AFTER_SECONDS = 0
    settings.CHAIN_WAIT_SECONDS = 0.2
    settings.OUTBOX_KICK_QUEUE = QUEUE

    issuer = IssuerFactory(organization=issuer_org)
    bond = SecurityFactory(issuer=issuer, created_by=issuer_admin, name="Sakura Green Bond 2031", symbol="SGB31")
    offering = OfferingFactory(security=bond, documents=False)
    other, _wallets = approved_investor(email="taro@example.test")
    subs = [SubscriptionFactory(offering=offering, investor=verified_investor, units=5, status="ready_to_settle"),
            SubscriptionFactory(offering=offering, investor=other, units=3, status="ready_to_settle")]

    backend = get_backend()
    registry_deploy(backend=backend)
    with transaction.atomic():
        outbox_put(deploy_payload(bond), idempotency_key=f"offering:{offering.pk}:deploy")

    with start_worker(app, queues=[QUEUE], pool="threads", concurrency=2, perform_ping_check=False,
                      shutdown_timeout=30):
        _wait_all_confirmed("registry and token deploy")
        assert DeployedContract.objects.filter(name=f"SecurityToken:{bond.pk}").exists()

        base = live_server.url
        issuer_ctx = browser.new_context(locale="en-US")
        page = issuer_ctx.new_page()
        page.set_default_timeout(15_000)
        _sign_in(page, base, issuer_admin)
        page.goto(f"{base}/ledger/securities/{bond.pk}/")
        assert page.get_by_test_id("ready-subscription").count() == 2
        for sub in subs:
            page.get_by_label(sub.payment_reference).check()
        page.get_by_role("button", name="Settle selected").click()
        page.get_by_text("2 subscriptions settled.").wait_for()

        assert set(Subscription.objects.values_list("status", flat=True)) == {Subscription.Status.SETTLED}
        assert TokenAction.objects.filter(kind=TokenAction.Kind.ISSUE).count() == 2
        _wait_all_confirmed("the settlement mints")

        page.reload()
        holders = page.get_by_test_id("holder")
        assert holders.count() == 2
        assert "62.50%" in holders.nth(0).inner_text() and "37.50%" in holders.nth(1).inner_text()
        history = page.get_by_test_id("action")
        assert history.count() == 2
        for i in range(2):
            row = history.nth(i)
            assert row.get_by_test_id("chain-status").inner_text().strip() == "Confirmed on chain"
            assert row.get_by_test_id("tx-hash").get_attribute("title").startswith("0x")
        issuer_ctx.close()

        token = DeployedContract.objects.get(name=f"SecurityToken:{bond.pk}").address
        wallet = TokenAction.objects.get(to_investor=verified_investor).to_wallet
        assert backend.balance_of(token, wallet) == 5

        investor_ctx = browser.new_context(locale="en-US")
        page = investor_ctx.new_page()
        page.set_default_timeout(15_000)
        _sign_in(page, base, verified_investor)
        page.goto(f"{base}/ledger/holdings/")
        holding = page.get_by_test_id("holding")
        assert holding.count() == 1
        assert "SGB31" in holding.inner_text() and wallet in holding.inner_text()
        assert holding.locator("td").nth(2).inner_text().strip() == "5"
        investor_ctx.close()
