"""Deploying the platform's shared contracts."""

from __future__ import annotations

from django.db import transaction

from core.audit import audit_record

from .models import DeployedContract
from .port import ChainBackend

REGISTRY = "InvestorRegistry"


def registry_deploy(*, backend: ChainBackend, actor=None, force: bool = False) -> tuple[DeployedContract, bool]:  # noqa: ANN001
    """Deploy the investor registry unless this chain already has ours.

    The network call happens outside any transaction; the record and its audit event are
    written together afterwards. A recorded address without code (a node restarted without
    its state) counts as missing. Returns (contract, deployed_now)."""
    chain_id = backend.chain_id()
    current = DeployedContract.objects.filter(name=REGISTRY, chain_id=chain_id).first()
    if current is not None and not force and backend.has_code(current.address):
        return current, False
    deployed = backend.deploy_registry()
    with transaction.atomic(durable=True):
        old = {"address": current.address} if current else {}
        contract, _ = DeployedContract.objects.update_or_create(
            name=REGISTRY, chain_id=chain_id, defaults={"address": deployed.address, "tx_hash": deployed.tx_hash}
        )
        audit_record(action="chain.registry_deployed", actor=actor, obj=contract, old=old,
                     new={"address": deployed.address, "tx_hash": deployed.tx_hash, "chain_id": chain_id})
    return contract, True
