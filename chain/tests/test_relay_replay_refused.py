"""The ref of every call is keccak(idempotency key): a replay of a confirmed action (say the
register was restored from an older backup) is refused by the contract, so nothing happens twice."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from chain.calls import ref_for
from chain.models import ChainTransaction, DeployedContract
from chain.port import ChainReverted
from chain.relay import relay_sweep
from core.lifecycle import transition
from core.models import OutboxEntry

from .conftest import new_wallet, put, register_wallet_payload, settle
from .test_relay_token_deploy_and_mint import DEPLOY


def test_replayed_mint_is_refused_on_chain(db, backend, registry):
    wallet = new_wallet()
    put("registry.register_wallet", register_wallet_payload(1, wallet), "wallet:1:add")
    put("token.deploy", {**DEPLOY, "rules": {}}, "offering:41:deploy")
    mint = put("token.mint", {"security_id": 41, "wallet": wallet, "amount": "70"}, "action:77")
    settle(backend)
    token = DeployedContract.objects.get(name="SecurityToken:41").address

    with transaction.atomic():  # the register forgets that the mint went out
        mint.refresh_from_db()
        OutboxEntry.objects.filter(pk=mint.pk).update(status=OutboxEntry.Status.FAILED, available_at=timezone.now())
        mint.status = OutboxEntry.Status.FAILED
        transition(mint, to=OutboxEntry.Status.PENDING, actor=None, reason="test: replay")
        ChainTransaction.objects.filter(entry=mint).update(status=ChainTransaction.Status.FAILED)
    relay_sweep(backend=backend)

    mint.refresh_from_db()
    assert mint.status == OutboxEntry.Status.FAILED
    assert mint.last_error.startswith("[RefAlreadyUsed] ")
    assert backend.balance_of(token, wallet) == 70                 # minted once


def test_the_same_ref_sent_directly_is_refused(db, backend, registry):
    wallet = new_wallet()
    put("registry.register_wallet", register_wallet_payload(1, wallet), "wallet:1:add")
    settle(backend)
    with pytest.raises(ChainReverted) as err:
        backend.register_wallet(registry.address, ref=ref_for("wallet:1:add", 0), wallet=new_wallet(),
                                investor_id=2, country=392, kyc_expiry=2**39)
    assert err.value.code == "RefAlreadyUsed"
