"""On a real chain (the session's anvil): a deposit mints the cash token to the investor's
wallet, a withdrawal burns it, and the reconciler finds the chain, the register and the trust
account in agreement; a trust account that drifts from its control book is a break."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cash import services
from cash.models import TrustAccount
from chain.models import Break, DeployedContract
from chain.reconciler import reconcile_run
from chain.tests.conftest import settle
from investors.models import Wallet

from .conftest import deposit_minted


@pytest.fixture
def backend(settings, chain_snapshot, db):
    """The session's anvil with the platform's shared contracts, as chain/tests sets it up."""
    from chain.backend import get_backend
    from chain.services import registry_deploy

    settings.CHAIN_RPC_URL = chain_snapshot.rpc_url
    settings.CHAIN_SIGNER_KEY = chain_snapshot.keys[0]
    settings.CHAIN_CONFIRMATIONS = 0
    settings.CHAIN_REBROADCAST_AFTER_SECONDS = 0
    backend = get_backend()
    registry_deploy(backend=backend)
    return backend


def test_deposit_mints_on_chain_and_the_reconciler_agrees(backend, jpy, cash_agent, verified_investor):
    deposit_minted(verified_investor, "50000", cash_agent)
    wallet = Wallet.objects.get(profile__user=verified_investor).address
    services.withdrawal_request(holder=verified_investor, currency="JPY", amount="20000", payout_details="MUFG 1",
                                actor=verified_investor)
    settle(backend)

    token = DeployedContract.objects.get(name=f"SecurityToken:{jpy.security_id}").address
    assert backend.balance_of(token, wallet) == 30000 and backend.total_supply(token) == 30000
    run = reconcile_run(backend=backend)
    assert run.error == "" and not Break.objects.filter(status=Break.Status.OPEN).exists()

    TrustAccount.objects.filter(pk=jpy.pk).update(balance=Decimal("30001"))    # the trust account drifts
    reconcile_run(backend=backend)
    [drift] = Break.objects.filter(status=Break.Status.OPEN)
    assert drift.kind == Break.Kind.INVARIANT and drift.security_id == jpy.security_id
    assert "trust account 30001" in drift.detail
