"""The reconciler: no break when chain and register agree; a mint made on chain outside the
platform opens breaks (balance and total supply), once however often it runs; actions still
in flight are not breaks; the register is never changed."""

from __future__ import annotations

from django.urls import reverse

from accounts.tests.helpers import api_token_for
from chain.models import Break, Reconciliation
from chain.reconciler import reconcile_run
from core.models import AuditEvent
from investors.models import Wallet
from ledger.selectors import register_positions
from ledger.services import tokens_issue

from .conftest import settle


def test_chain_and_register_in_step_give_no_break(mirrored_bond, backend):
    run = reconcile_run(backend=backend)

    assert (run.securities_checked, run.breaks_found, run.breaks_new, run.error) == (1, 0, 0, "")
    assert not Break.objects.exists()
    assert AuditEvent.objects.filter(action="chain.reconciled", object_id=str(run.pk)).exists()


def test_a_mint_outside_the_platform_is_a_break_and_only_once(mirrored_bond, backend):
    b = mirrored_bond
    backend.mint(b.token, ref=b"\x07" * 32, to=b.first, amount=7)   # the agent key, used by hand

    run = reconcile_run(backend=backend)
    again = reconcile_run(backend=backend)

    breaks = {(x.kind, x.wallet, x.register_value, x.chain_value) for x in Break.objects.all()}
    assert breaks == {("balance", b.first, "100", "107"), ("total_supply", "", "150", "157")}
    assert (run.breaks_found, run.breaks_new) == (2, 2)
    assert (again.breaks_found, again.breaks_new) == (2, 0)
    assert Break.objects.filter(status="open").count() == 2
    assert register_positions(security=b.security) == {b.first: (100, 0), b.second: (50, 0)}  # never overwritten
    assert AuditEvent.objects.filter(action="chain.break_opened").count() == 2


def test_actions_in_flight_are_not_breaks(mirrored_bond, backend, issuer_admin, verified_investor):
    b = mirrored_bond
    tokens_issue(security=b.security, wallet=Wallet.objects.get(address=b.first), amount=5, actor=issuer_admin,
                 reason="top-up")                     # in the register, not yet on chain

    run = reconcile_run(backend=backend)
    assert (run.securities_checked, run.skipped_in_flight, run.breaks_found) == (0, 1, 0)

    settle(backend)
    assert reconcile_run(backend=backend).breaks_found == 0
    assert not Break.objects.exists()


def test_a_revoked_registry_wallet_is_a_registry_break(mirrored_bond, backend):
    backend.remove_wallet(_registry(backend), ref=b"\x09" * 32, wallet=mirrored_bond.second)

    reconcile_run(backend=backend)

    [brk] = Break.objects.filter(kind="registry")
    assert brk.wallet == mirrored_bond.second and brk.security is None
    assert brk.register_value.endswith("active") and brk.chain_value.endswith("revoked")


def _registry(backend) -> str:
    from chain.models import DeployedContract

    return DeployedContract.objects.get(name="InvestorRegistry", chain_id=backend.chain_id()).address


def test_operator_reconciles_from_the_page_and_the_api(mirrored_bond, backend, operator, login_verified, client):
    backend.mint(mirrored_bond.token, ref=b"\x08" * 32, to=mirrored_bond.second, amount=1)
    browser = login_verified(operator)

    page = browser.post(reverse("chain:reconcile"), follow=True).content.decode()

    assert "Reconciled 1 securities: 2 differences, 2 new." in page
    assert mirrored_bond.second in page
    run = Reconciliation.objects.get()
    assert run.actor == operator
    mirror = browser.get(reverse("chain:mirror")).content.decode()
    assert 'data-testid="open-breaks">2</a>' in mirror and "1 securities checked, 2 differences (2 new)" in mirror

    token = api_token_for(operator)
    response = client.post(reverse("chain-api:reconcile"), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 201 and response.json()["breaks_new"] == 0
    last = client.get(reverse("chain-api:reconcile"), HTTP_AUTHORIZATION=f"Token {token}").json()
    assert last["id"] == response.json()["id"] and last["breaks_found"] == 2


def test_a_node_that_cannot_be_reached_is_reported_not_a_crash(db, operator, login_verified, settings):
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"
    settings.CHAIN_SIGNER_KEY = "0x" + "11" * 32
    page = login_verified(operator).post(reverse("chain:reconcile"), follow=True).content.decode()

    run = Reconciliation.objects.get()
    assert run.error and run.securities_checked == 0
    assert "The reconciliation stopped:" in page
    assert not Break.objects.exists()
