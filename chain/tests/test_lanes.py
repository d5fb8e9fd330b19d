"""Two signer lanes on anvil (chain/lanes.py): each token is deployed and driven by its lane's
key with that key's own nonces; an action that depends on another lane's unconfirmed action
waits for it; a lane whose transaction does not mine does not hold up the other's confirmations."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone
from eth_utils import keccak

from chain.backend import get_backend
from chain.confirmer import confirm_sweep
from chain.lanes import lane_count, lane_waiters_release
from chain.models import ChainTransaction, DeployedContract, SignerLane, SignerNonce
from chain.relay import relay_sweep
from core.models import OutboxEntry

from .conftest import new_wallet, put, register_wallet_payload

AGENT_ROLE = keccak(text="AGENT_ROLE")


@pytest.fixture
def two_lanes(chain_settings, chain_snapshot):
    """Lane 0 signs with the first dev key (CHAIN_SIGNER_KEY, the shared contracts' deployer),
    lane 1 with the second."""
    chain_settings.CHAIN_SIGNER_KEYS = list(chain_snapshot.keys[:2])
    return chain_settings


def deploy(security_id: int) -> OutboxEntry:
    return put("token.deploy", {"security_id": security_id, "name": f"Lane Bond {security_id}",
                                "symbol": f"LB{security_id}", "decimals": 0, "rules": {}},
               f"lanes:offering:{security_id}:deploy")


def mint(security_id: int, wallet: str, amount: int, key: str) -> OutboxEntry:
    return put("token.mint", {"security_id": security_id, "wallet": wallet, "amount": str(amount)}, key)


def due() -> None:
    OutboxEntry.objects.filter(status=OutboxEntry.Status.PENDING).update(available_at=timezone.now())


def settle_lanes(*, timeout: float = 30.0) -> None:
    """Relay every lane, then confirm, until nothing is pending or submitted (bounded)."""
    deadline = time.monotonic() + timeout
    while OutboxEntry.objects.filter(status__in=["pending", "submitted"]).exists():
        assert time.monotonic() < deadline, list(OutboxEntry.objects.exclude(status="confirmed").values_list(
            "kind", "lane", "status", "last_error"))
        due()
        for lane in range(lane_count()):
            relay_sweep(lane=lane)
        confirm_sweep()
        time.sleep(0.02)


def token_lane(security_id: int) -> int:
    return SignerLane.objects.get(target=f"security:{security_id}").lane


def test_two_tokens_on_two_lanes_mirror_with_their_own_signers_and_nonces(db, two_lanes, registry):
    wallets = [new_wallet() for _ in range(2)]
    for i, wallet in enumerate(wallets, start=1):
        put("registry.register_wallet", register_wallet_payload(i, wallet), f"lanes:wallet:{i}")
    deploys = [deploy(71), deploy(72)]
    assert {d.lane for d in deploys} == {0, 1}
    for sid in (71, 72):
        for n, wallet in enumerate(wallets):
            mint(sid, wallet, 10 * sid + n, f"lanes:mint:{sid}:{n}")

    settle_lanes()

    signers = {lane: get_backend(lane).address for lane in (0, 1)}
    assert signers[0] != signers[1]
    chain = get_backend()
    for sid in (71, 72):
        lane, token = token_lane(sid), DeployedContract.objects.get(name=f"SecurityToken:{sid}").address
        # the token's agent is its lane's key, and only that key
        assert chain.read("SecurityToken", token, "hasRole", AGENT_ROLE, signers[lane])
        assert not chain.read("SecurityToken", token, "hasRole", AGENT_ROLE, signers[1 - lane])
        entries = OutboxEntry.objects.filter(payload__security_id=sid)
        assert set(entries.values_list("lane", flat=True)) == {lane}
        txs = ChainTransaction.objects.filter(entry__in=entries) | ChainTransaction.objects.filter(
            links__entry__in=entries)
        assert set(txs.values_list("signer", flat=True)) == {signers[lane]}
        assert [chain.balance_of(token, w) for w in wallets] == [10 * sid, 10 * sid + 1]
    # each signer its own gapless nonce sequence, matching its SignerNonce row
    for signer in signers.values():
        nonces = sorted(ChainTransaction.objects.filter(signer=signer).values_list("nonce", flat=True))
        assert nonces and nonces == list(range(nonces[0], nonces[0] + len(nonces)))
        assert SignerNonce.objects.get(signer=signer).next_nonce == nonces[-1] + 1
    assert set(ChainTransaction.objects.filter(entry__kind="registry.register_wallet")
               .values_list("signer", flat=True)) == {signers[0]}


@pytest.fixture
def token_on_lane_1(db, two_lanes, registry):
    """A registered wallet and token 81 on lane 1 (the registry is lane 0's), all settled."""
    wallet = new_wallet()
    put("registry.register_wallet", register_wallet_payload(1, wallet), "lanes:wallet:first")
    deploy(81)
    settle_lanes()
    assert token_lane(81) == 1
    return wallet


def test_a_mint_waits_while_its_registration_is_unconfirmed_on_the_other_lane(token_on_lane_1):
    wallet = new_wallet()
    registration = put("registry.register_wallet", register_wallet_payload(2, wallet), "lanes:wallet:2")
    entry = mint(81, wallet, 5, "lanes:mint:late")
    assert (registration.lane, entry.lane) == (0, 1)

    for step in ("registration pending", "registration submitted"):
        if step == "registration submitted":
            relay_sweep(lane=0)
            registration.refresh_from_db()
            assert registration.status == OutboxEntry.Status.SUBMITTED
        due()
        result = relay_sweep(lane=1)
        entry.refresh_from_db()
        assert (result.waiting, entry.status) == (1, OutboxEntry.Status.PENDING), step
        assert entry.last_error == (f"[waiting] an earlier related action on another lane (#{registration.pk}) "
                                    "is not confirmed yet"), step
        assert not ChainTransaction.objects.filter(entry=entry).exists(), step

    confirm_sweep()
    registration.refresh_from_db()
    assert registration.status == OutboxEntry.Status.CONFIRMED
    assert lane_waiters_release() == [1]   # the confirm task sends lane 1's relay now
    assert relay_sweep(lane=1).submitted == 1
    confirm_sweep()
    entry.refresh_from_db()
    assert entry.status == OutboxEntry.Status.CONFIRMED
    token = DeployedContract.objects.get(name="SecurityToken:81").address
    assert get_backend().balance_of(token, wallet) == 5


def test_a_mint_behind_a_revocation_on_the_other_lane_is_not_sent_first(token_on_lane_1):
    """The estimate would pass (the wallet is still registered): without the cross-lane wait the
    mint would overtake the revocation. It waits, then fails as it would with one signer."""
    wallet = token_on_lane_1
    put("registry.revoke_wallet", {"investor_id": 1, "wallet": wallet}, "lanes:wallet:first:revoke")
    entry = mint(81, wallet, 7, "lanes:mint:revoked")

    assert relay_sweep(lane=1).waiting == 1
    assert not ChainTransaction.objects.filter(entry=entry).exists()

    settle_lanes()

    entry.refresh_from_db()
    assert entry.status == OutboxEntry.Status.FAILED
    assert entry.last_error.startswith("[WalletNotRegistered]")


def test_a_stuck_lane_does_not_hold_up_the_other_lanes_confirmations(token_on_lane_1, chain_snapshot):
    """Lane 0's transaction sits in the node's pool behind a nonce gap (never mined); lane 1's
    confirms in the same sweep, even with one live transaction per lane per sweep."""
    backend0 = get_backend(0)
    entry = mint(81, token_on_lane_1, 3, "lanes:mint:while-stuck")          # lane 1
    stuck = put("registry.register_wallet", register_wallet_payload(3, new_wallet()), "lanes:wallet:stuck")
    gap = backend0.next_nonce() + 1
    SignerNonce.objects.filter(signer=backend0.address).update(next_nonce=gap)
    try:
        assert relay_sweep(lane=1).submitted == 1
        assert relay_sweep(lane=0).submitted == 1

        result = confirm_sweep(batch_size=1)

        assert (result.confirmed, result.pending) == (1, 1)
        entry.refresh_from_db()
        stuck.refresh_from_db()
        assert entry.status == OutboxEntry.Status.CONFIRMED
        assert stuck.status == OutboxEntry.Status.SUBMITTED
        assert ChainTransaction.objects.get(entry=stuck).nonce == gap
    finally:
        chain_snapshot.rpc("anvil_dropAllTransactions")   # the gapped one must not mine in a later test
