from __future__ import annotations

import time

import pytest
from django.db import transaction
from eth_account import Account

from core.models import OutboxEntry
from core.outbox import outbox_put
from core.outbox_payloads import payload_from_json

JP = 392
FAR = 2**40 - 1


@pytest.fixture
def chain_settings(settings, chain_snapshot):
    """Point the Django side at the session's anvil, signing with its first dev key."""
    settings.CHAIN_RPC_URL = chain_snapshot.rpc_url
    settings.CHAIN_SIGNER_KEY = chain_snapshot.keys[0]
    settings.CHAIN_CONFIRMATIONS = 0
    settings.CHAIN_REBROADCAST_AFTER_SECONDS = 0
    return settings


@pytest.fixture
def backend(chain_settings):
    from chain.backend import get_backend

    return get_backend()


@pytest.fixture
def registry(backend):
    """The shared investor registry, deployed the way `manage.py chain_deploy` does it."""
    from chain.services import registry_deploy

    contract, _ = registry_deploy(backend=backend)
    return contract


@pytest.fixture
def no_automine(chain_snapshot):
    """Transactions wait in the pool until the test mines a block (evm_mine)."""
    chain_snapshot.rpc("evm_setAutomine", [False])
    try:
        yield chain_snapshot
    finally:
        chain_snapshot.rpc("evm_setAutomine", [True])


def put(kind: str, payload: dict, key: str) -> OutboxEntry:
    """An outbox row, written as a register service would (inside its transaction); the
    payload is given as its JSON and goes through the kind's payload type."""
    with transaction.atomic():
        return outbox_put(payload_from_json(kind, payload), idempotency_key=key)


def put_unchecked(kind: str, payload: object, key: str) -> OutboxEntry:
    """A row written around the outbox contract (one stored before it, or tampered with):
    the relay must still fail it cleanly."""
    return OutboxEntry.objects.create(kind=kind, payload=payload, idempotency_key=key)


def register_wallet_payload(investor_id: int, wallet: str, **extra) -> dict:
    return {"investor_id": investor_id, "wallet": wallet, "country": JP, "kyc_expiry": FAR,
            "accredited": True, "qualified": False, **extra}


def new_wallet() -> str:
    return Account.create().address


def settle(backend, *, timeout: float = 30.0) -> None:
    """Run relay + confirmer sweeps until no action is pending or submitted (bounded)."""
    from django.utils import timezone

    from chain.confirmer import confirm_sweep
    from chain.relay import relay_sweep

    deadline = time.monotonic() + timeout
    while True:
        OutboxEntry.objects.filter(status=OutboxEntry.Status.PENDING).update(available_at=timezone.now())
        relay_sweep(backend=backend)
        confirm_sweep(backend=backend)
        if not OutboxEntry.objects.filter(status__in=["pending", "submitted"]).exists():
            return
        if time.monotonic() > deadline:
            left = list(OutboxEntry.objects.filter(status__in=["pending", "submitted"]).values_list(
                "kind", "status", "last_error"))
            raise AssertionError(f"actions did not settle within {timeout}s: {left}")
        time.sleep(0.02)


@pytest.fixture
def mirrored_bond(db, backend, registry, issuer_org, issuer_admin, verified_investor):
    """A bond of the persona issuer whose token is on chain, with two KYC-approved holders
    (the verified investor: 100, a second investor: 50), everything settled."""
    from types import SimpleNamespace

    from chain.models import DeployedContract
    from compliance.tests.factories import approve_profile
    from investors.models import InvestorProfile, Wallet
    from investors.tests.factories import OTHER_WALLET, InvestorProfileFactory, WalletFactory
    from issuance.tests.factories import IssuerFactory, SecurityFactory
    from ledger.services import tokens_issue

    issuer = IssuerFactory(organization=issuer_org)
    bond = SecurityFactory(issuer=issuer, created_by=issuer_admin, name="Mirror Bond 2031", symbol="MB31")
    profile = InvestorProfileFactory(investor_status=InvestorProfile.InvestorStatus.QUALIFIED, status_basis="test")
    WalletFactory(profile=profile, address=OTHER_WALLET)
    approve_profile(profile)
    put("token.deploy", {"security_id": bond.pk, "name": bond.name, "symbol": bond.symbol, "decimals": 0,
                         "rules": {}}, f"offering:{bond.pk}:deploy")
    settle(backend)
    first = Wallet.objects.get(profile__user=verified_investor)
    second = Wallet.objects.get(profile=profile)
    tokens_issue(security=bond, wallet=first, amount=100, actor=issuer_admin, reason="initial issue")
    tokens_issue(security=bond, wallet=second, amount=50, actor=issuer_admin, reason="initial issue")
    settle(backend)
    token = DeployedContract.objects.get(name=f"SecurityToken:{bond.pk}").address
    return SimpleNamespace(security=bond, token=token, first=first.address, second=second.address,
                           second_user=profile.user)


def prepare_only(entry: OutboxEntry, backend):
    """The relay's steps for one claimed entry up to the commit of its PREPARED transaction,
    then the process 'dies' (nothing is broadcast). Returns the relay's Prepared."""
    from chain.relay import claim_pending
    from chain.sending import call_for, next_step, prepare

    [entry_id] = claim_pending(batch_size=10)
    assert entry_id == entry.pk
    call = call_for(entry, next_step(entry), chain_id=backend.chain_id(), signer=backend.address)
    max_fee, priority = backend.suggest_fees()
    return prepare(entry_id=entry.pk, step=0, call=call, gas=backend.estimate_gas(call), max_fee=max_fee,
                   priority=priority, node_pending=backend.next_nonce(), backend=backend)
