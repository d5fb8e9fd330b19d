"""Signer lanes without a chain: which lane a row gets (stored per target contract, never
moved), what it costs in queries, and the cross-lane hold-back's queries (chain/lanes.py)."""

from __future__ import annotations

import pytest
from django.db import transaction

from chain.lanes import hold_back, lane_count, lane_for, lane_waiters_release, lanes_for, send_queue
from chain.models import SignerLane
from chain.testing import DEV_KEYS
from core.models import OutboxEntry
from core.outbox import outbox_put, outbox_put_many
from core.outbox_payloads import TokenMint, TokenPause

WALLET = "0x00000000000000000000000000000000000000A1"


@pytest.fixture
def two_lanes(settings):
    settings.CHAIN_SIGNER_KEY = DEV_KEYS[0]
    settings.CHAIN_SIGNER_KEYS = list(DEV_KEYS[:2])
    return settings


def mint(security_id: int, amount: int = 1) -> dict:
    return {"security_id": security_id, "wallet": WALLET, "amount": str(amount)}


def test_one_lane_by_default_and_no_query(db, settings, django_assert_num_queries):
    settings.CHAIN_SIGNER_KEYS = []
    assert lane_count() == 1
    with django_assert_num_queries(0):
        assert lane_for("token.mint", mint(5)) == 0
        assert lanes_for([("registry.revoke_wallet", {"investor_id": 7, "wallet": WALLET}),
                          ("token.pause", {"security_id": 5})]) == [0, 0]
        assert hold_back([1, 2, 3], lane=0) == [1, 2, 3]
        assert lane_waiters_release() == []
    assert not SignerLane.objects.exists()


def test_keys_may_come_as_one_comma_separated_string(settings):
    settings.CHAIN_SIGNER_KEYS = f"{DEV_KEYS[0]}, {DEV_KEYS[1]},{DEV_KEYS[2]}"
    assert lane_count() == 3
    assert send_queue(2) == "chain.send.2"


def test_targets_get_the_least_loaded_lane_and_keep_it(db, two_lanes):
    # the registry and the Settlement contract: the deployer's lane (their role is its key's)
    assert lane_for("registry.register_wallet", {"investor_id": 7, "wallet": WALLET}) == 0
    assert lane_for("settlement.dvp", {"security_id": 1, "cash_id": 2}) == 0
    first = [lane_for("token.deploy", {"security_id": sid}) for sid in (11, 12, 13)]
    assert first == [1, 1, 0]   # lane 0 already carries two targets

    # every kind on a token goes to its token's lane; a payment batch to its (cash) token's
    assert lane_for("token.mint", mint(11)) == 1
    assert lane_for("payment.batch", {"security_id": 13}) == 0
    assert lane_for("redemption.burn", {"security_id": 12}) == 1

    # a third key: new targets fill it first, assigned ones never move
    two_lanes.CHAIN_SIGNER_KEYS = list(DEV_KEYS[:3])
    assert [lane_for("token.mint", mint(sid)) for sid in (11, 12, 13)] == [1, 1, 0]
    assert lane_for("token.deploy", {"security_id": 14}) == 2
    assert dict(SignerLane.objects.values_list("target", "lane")) == {
        "registry": 0, "settlement": 0, "security:11": 1, "security:12": 1, "security:13": 0, "security:14": 2}


def test_a_payload_without_a_security_goes_to_lane_0_and_assigns_nothing(db, two_lanes):
    assert lane_for("token.mint", {"investor_id": 7, "wallet": WALLET}) == 0
    assert lane_for("token.mint", {"security_id": "7"}) == 0
    assert lane_for("token.mint", {"security_id": True}) == 0
    assert not SignerLane.objects.exists()


def test_outbox_rows_carry_their_lane_in_a_constant_number_of_queries(db, two_lanes, django_assert_num_queries):
    SignerLane.objects.create(target="security:21", lane=1)
    items = [(TokenMint(security_id=sid, wallet=WALLET, amount=n + 1), f"lanes:mint:{sid}:{n}")
             for sid in (21, 22, 23) for n in range(20)]
    # lanes: known targets (1), assign the new ones (load + insert), read them back; the insert
    with transaction.atomic(), django_assert_num_queries(5):
        rows = outbox_put_many(items)

    lanes = dict(SignerLane.objects.values_list("target", "lane"))
    assert lanes == {"security:21": 1, "security:22": 0, "security:23": 0}   # the tie: the lowest lane
    assert {(row.payload["security_id"], row.lane) for row in rows} == {(21, 1), (22, 0), (23, 0)}
    stored = set(OutboxEntry.objects.values_list("payload__security_id", "lane"))
    assert stored == {(21, 1), (22, 0), (23, 0)}


def test_a_rolled_back_use_case_assigns_no_lane(db, two_lanes):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        outbox_put(TokenPause(security_id=31), idempotency_key="lanes:rolled-back")
        assert SignerLane.objects.filter(target="security:31").exists()
        raise Boom
    assert not SignerLane.objects.exists()


def dvp(security_id: int, cash_id: int) -> dict:
    signature = "0x" + "a1" * 64 + "1b"
    return {"settlement_id": 12, "security_id": security_id, "cash_id": cash_id, "seller_wallet": WALLET,
            "buyer_wallet": "0x00000000000000000000000000000000000000b2", "units": "10", "price": "150000",
            "nonce": "12", "deadline": 1798761599, "buyer_signature": signature, "seller_signature": signature}


def _row(kind: str, payload: dict, key: str, lane: int, status: str = "pending") -> OutboxEntry:
    return OutboxEntry.objects.create(kind=kind, payload=payload, idempotency_key=key, lane=lane, status=status)


def test_hold_back_waits_for_earlier_related_actions_on_other_lanes_in_one_query(
        db, two_lanes, django_assert_num_queries):
    other_token = _row("token.mint", mint(41), "a", lane=0)                      # lane 0, token 41, pending
    _row("token.mint", mint(42), "b", lane=0, status="confirmed")                # settled: no wait for 42
    mine = [_row("token.mint", mint(41), "c", lane=1),                           # waits for "a"
            _row("token.mint", mint(42), "d", lane=1),                           # goes
            _row("token.burn", mint(43), "e", lane=1)]                           # goes
    registration = _row("registry.revoke_wallet", {"investor_id": 7, "wallet": WALLET}, "f", lane=0)   # in flight
    later = [_row("token.mint", mint(42), "g", lane=1),                          # after it: waits
             _row("token.pause", {"security_id": 44}, "h", lane=1)]              # waits too

    # the claimed rows, the earliest in-flight id per registry/token on other lanes, one UPDATE per reason
    with django_assert_num_queries(4):
        go = hold_back([e.pk for e in mine + later], lane=1)

    assert go == [mine[1].pk, mine[2].pk]
    for entry, before in ((mine[0], other_token), (later[0], registration), (later[1], registration)):
        entry.refresh_from_db()
        assert entry.status == OutboxEntry.Status.PENDING
        assert entry.last_error == f"[waiting] an earlier related action on another lane (#{before.pk}) is not " \
                                   "confirmed yet"
    # the same lane's earlier actions are the nonce order's business: lane 0 holds nothing back here
    assert hold_back([registration.pk], lane=0) == [registration.pk]


def test_an_action_behind_a_waiting_one_on_its_token_waits_too(db, two_lanes):
    """It would overtake the waiting one on the token they share (the nonce order of its
    lane would not keep them in order: the waiting one is not sent)."""
    _row("token.mint", mint(71), "a", lane=0)                                       # in flight on lane 0
    both = _row("settlement.dvp", dvp(71, 72), "x", lane=1)                         # waits for "a"
    behind = _row("token.mint", mint(72), "y", lane=1)                              # nothing of 72 elsewhere
    unrelated = _row("token.mint", mint(73), "z", lane=1)

    assert hold_back([both.pk, behind.pk, unrelated.pk], lane=1) == [unrelated.pk]
    behind.refresh_from_db()
    assert behind.last_error == ("[waiting] an earlier related action on another lane is not confirmed yet, and an "
                                 "action before this one waits for it")


def test_waiters_are_released_when_something_confirms(db, two_lanes):
    _row("registry.revoke_wallet", {"investor_id": 7, "wallet": WALLET}, "r", lane=0)
    waiting = _row("token.mint", mint(61), "w", lane=1)
    deploy_wait = _row("token.mint", mint(62), "o", lane=1)
    assert hold_back([waiting.pk], lane=1) == []
    waiting.refresh_from_db()
    future = waiting.available_at
    OutboxEntry.objects.filter(pk=deploy_wait.pk).update(
        last_error="[waiting] SecurityToken:62 is not deployed", available_at=future)

    assert lane_waiters_release() == [1]

    waiting.refresh_from_db()
    deploy_wait.refresh_from_db()
    assert waiting.available_at < future
    assert deploy_wait.available_at == future   # another kind of wait is left alone
    assert lane_waiters_release() == [1]   # due now, and still its lane's relay's to look at
    OutboxEntry.objects.filter(pk=waiting.pk).update(status=OutboxEntry.Status.SUBMITTED)
    assert lane_waiters_release() == []   # nothing waits for another lane now


# ---------------------------------------------------------------- backends, kicks, follow-ups

def test_each_lane_has_its_own_cached_backend(two_lanes):
    from chain.backend import get_backend
    from chain.port import ChainUnavailable

    two_lanes.CHAIN_RPC_URL = "http://127.0.0.1:1"   # nothing is sent: building connects nowhere
    first, second = get_backend(0), get_backend(1)
    assert get_backend() is first and get_backend(1) is second
    assert first.address != second.address
    with pytest.raises(ChainUnavailable) as refused:
        get_backend(2)
    assert refused.value.code == "not_configured"


class FakeApp:
    def __init__(self) -> None:
        self.conf = type("Conf", (), {"task_default_queue": "celery"})()
        self.sent: list[tuple[str, dict]] = []

    def send_task(self, name: str, **options) -> None:
        self.sent.append((name, options))


def fake_task(queue: str):
    from types import SimpleNamespace

    return SimpleNamespace(app=FakeApp(), request=SimpleNamespace(delivery_info={"routing_key": queue}))


def test_beats_sweep_fans_out_one_task_per_lane_on_a_private_queue(two_lanes):
    from chain.scheduling import relay_task_run

    task = fake_task("lanes-test-queue")
    assert relay_task_run(task) == {"lanes": 2}
    assert task.app.sent == [("chain.relay_sweep", {"queue": "lanes-test-queue", "kwargs": {"lane": 0}}),
                             ("chain.relay_sweep", {"queue": "lanes-test-queue", "kwargs": {"lane": 1}})]


@pytest.mark.parametrize("queue", ["chain.send.0", "celery"])
def test_a_follow_up_from_a_routed_queue_is_routed_again(queue):
    """A lane's relay sent from lane 0's queue (beat's sweep) goes where the routes send lane 1."""
    from chain.scheduling import _send_relay

    task = fake_task(queue)
    _send_relay(task, [1])
    assert task.app.sent == [("chain.relay_sweep", {"kwargs": {"lane": 1}})]


def test_a_commit_kicks_each_lane_that_got_rows(transactional_db, two_lanes):
    import base64
    import json
    import uuid

    import redis

    queue = f"lanes-kick-test-{uuid.uuid4().hex[:8]}"
    two_lanes.OUTBOX_KICK_TASK = "chain.relay_sweep"
    two_lanes.OUTBOX_KICK_QUEUE = queue
    two_lanes.OUTBOX_KICK_DEDUP_SECONDS = 0
    client = redis.Redis.from_url(two_lanes.REDIS_URL)   # the broker
    try:
        with transaction.atomic():
            outbox_put_many([(TokenPause(security_id=sid), f"lanes:kick:{queue}:{sid}") for sid in (81, 82, 83)])
        sent = [json.loads(raw) for raw in client.lrange(queue, 0, -1)]
    finally:
        client.delete(queue)
        client.close()
    lanes = sorted(json.loads(base64.b64decode(m["body"]))[1]["lane"] for m in sent)   # (args, kwargs, embed)
    assert lanes == [0, 1]   # three rows on two lanes: one kick per lane
