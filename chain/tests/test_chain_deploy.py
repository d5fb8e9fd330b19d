"""`manage.py chain_deploy` deploys the shared investor registry and Settlement contract once per chain."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chain.backend import get_backend
from chain.models import DeployedContract
from core.models import AuditEvent


def test_chain_deploy_deploys_the_registry_and_settlement_once(db, chain_settings, capsys):
    call_command("chain_deploy")
    contract = DeployedContract.objects.get(name="InvestorRegistry")
    settlement = DeployedContract.objects.get(name="Settlement")
    backend = get_backend()
    assert backend.has_code(contract.address) and backend.has_code(settlement.address)
    assert AuditEvent.objects.filter(action="chain.registry_deployed", object_id=str(contract.pk)).count() == 1
    assert AuditEvent.objects.filter(action="chain.settlement_deployed", object_id=str(settlement.pk)).count() == 1
    operator = backend.read("Settlement", settlement.address, "OPERATOR_ROLE")
    assert backend.read("Settlement", settlement.address, "hasRole", operator, backend.address)
    assert f"Settlement deployed at {settlement.address}" in capsys.readouterr().out

    call_command("chain_deploy")
    out = capsys.readouterr().out
    assert "InvestorRegistry already deployed" in out and "Settlement already deployed" in out
    assert DeployedContract.objects.get(name="InvestorRegistry").address == contract.address
    assert DeployedContract.objects.get(name="Settlement").address == settlement.address


def test_chain_deploy_redeploys_when_the_node_lost_its_state(db, chain_settings, anvil):
    snapshot = anvil.rpc("evm_snapshot")
    call_command("chain_deploy")
    lost = DeployedContract.objects.get(name="InvestorRegistry").address
    anvil.rpc("evm_revert", [snapshot])  # as if anvil restarted without its state file
    assert not get_backend().has_code(lost)

    call_command("chain_deploy")
    contract = DeployedContract.objects.get(name="InvestorRegistry")
    assert get_backend().has_code(contract.address)
    audit = AuditEvent.objects.filter(action="chain.registry_deployed").order_by("-id").first()
    assert audit.old_values == {"address": lost}


def test_chain_deploy_fails_clearly_when_the_node_is_down(db, settings, anvil):
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    settings.CHAIN_SIGNER_KEY = anvil.keys[0]
    with pytest.raises(CommandError, match="chain node unavailable"):
        call_command("chain_deploy")
    assert not DeployedContract.objects.exists()


def test_chain_deploy_refuses_without_configuration(db, settings):
    settings.CHAIN_RPC_URL = ""
    with pytest.raises(CommandError, match="CHAIN_RPC_URL is not set"):
        call_command("chain_deploy")
