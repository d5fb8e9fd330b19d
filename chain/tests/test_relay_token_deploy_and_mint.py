"""token.deploy (with its rules) then token.mint: the mint waits for the token's address,
the deploy records SecurityToken:<id>, and the tokens arrive once."""

from __future__ import annotations

from chain.models import ChainTransaction, DeployedContract
from chain.relay import relay_sweep
from core.models import AuditEvent, OutboxEntry

from .conftest import new_wallet, put, register_wallet_payload, settle

DEPLOY = {"security_id": 41, "name": "Sakura Bond 2030", "symbol": "SKB30", "decimals": 0,
          "rules": {"countries": [392, 840], "accredited_only": True, "qualified_only": False,
                    "lockup_until": 0, "max_holders": 500, "max_investor_balance": "0"}}


def test_deploy_with_rules_then_mint(db, backend, registry):
    wallet = new_wallet()
    put("registry.register_wallet", register_wallet_payload(1, wallet), "wallet:10:add")
    deploy = put("token.deploy", DEPLOY, "offering:41:deploy")
    mint = put("token.mint", {"security_id": 41, "wallet": wallet, "amount": "1500"}, "action:100")

    relay_sweep(backend=backend)
    mint.refresh_from_db()
    assert mint.status == OutboxEntry.Status.PENDING          # waits for the token, does not fail
    assert mint.last_error.startswith("[waiting] SecurityToken:41 is not deployed")

    settle(backend)

    token = DeployedContract.objects.get(name="SecurityToken:41", chain_id=backend.chain_id())
    assert backend.has_code(token.address)
    deploy_txs = ChainTransaction.objects.filter(entry=deploy).order_by("step")
    assert [(t.step, t.function, t.status) for t in deploy_txs] == [
        (0, "constructor", "confirmed"), (1, "setRules", "confirmed"), (2, "setCountriesAllowed", "confirmed")]
    assert token.tx_hash == deploy_txs[0].tx_hash and deploy_txs[0].contract_address == token.address
    assert backend.read("SecurityToken", token.address, "isCountryAllowed", 392)
    assert not backend.read("SecurityToken", token.address, "isCountryAllowed", 156)
    assert backend.read("SecurityToken", token.address, "rules")  # flags set
    assert backend.balance_of(token.address, wallet) == 1500
    assert backend.total_supply(token.address) == 1500
    assert ChainTransaction.objects.filter(entry=mint).count() == 1
    assert AuditEvent.objects.filter(action="chain.token_deployed", object_id=str(token.pk)).count() == 1
    deploy.refresh_from_db()
    assert deploy.status == OutboxEntry.Status.CONFIRMED


def test_set_rules_removes_a_country_the_register_dropped(db, backend, registry):
    put("token.deploy", DEPLOY, "offering:41:deploy")
    settle(backend)
    rules = {**DEPLOY["rules"], "countries": [840]}
    entry = put("token.set_rules", {"security_id": 41, "rules": rules}, "security:41:rules:2")

    settle(backend)

    token = DeployedContract.objects.get(name="SecurityToken:41").address
    assert not backend.read("SecurityToken", token, "isCountryAllowed", 392)
    assert backend.read("SecurityToken", token, "isCountryAllowed", 840)
    assert ChainTransaction.objects.filter(entry=entry, status="confirmed").count() == 3


def test_token_operations_after_mint(db, backend, registry):
    alice, bob = new_wallet(), new_wallet()
    put("registry.register_wallet", register_wallet_payload(1, alice), "wallet:1:add")
    put("registry.register_wallet", register_wallet_payload(2, bob), "wallet:2:add")
    put("token.deploy", {**DEPLOY, "rules": {}}, "offering:41:deploy")
    put("token.mint", {"security_id": 41, "wallet": alice, "amount": "100"}, "action:1")
    put("token.transfer", {"security_id": 41, "from_wallet": alice, "to_wallet": bob, "amount": "30"}, "action:2")
    put("token.freeze_tokens", {"security_id": 41, "wallet": bob, "amount": "10"}, "action:3")
    put("token.burn", {"security_id": 41, "wallet": alice, "amount": "20"}, "action:4")
    put("token.set_document", {"security_id": 41, "name": "prospectus", "uri": "https://x.test/p.pdf",
                               "sha256": "ab" * 32}, "action:5")
    put("token.pause", {"security_id": 41}, "action:6")

    settle(backend)

    assert set(OutboxEntry.objects.values_list("status", flat=True)) == {"confirmed"}
    token = DeployedContract.objects.get(name="SecurityToken:41").address
    assert backend.balance_of(token, alice) == 50 and backend.balance_of(token, bob) == 30
    assert backend.frozen_balance_of(token, bob) == 10
    assert backend.read("SecurityToken", token, "paused")
