"""The mirror status lists every signer lane: its signer, its rows waiting or on their way,
its transactions in flight, the contracts it serves (page and API)."""

from __future__ import annotations

import pytest

from chain.models import SignerLane
from chain.selectors import lane_statuses
from chain.testing import DEV_KEYS
from core.models import OutboxEntry

pytestmark = pytest.mark.django_db


def test_each_lane_counts_only_its_own_rows(settings):
    from django.utils import timezone
    from eth_account import Account

    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"   # nothing answers: no balances read
    settings.CHAIN_SIGNER_KEY = DEV_KEYS[0]
    settings.CHAIN_SIGNER_KEYS = list(DEV_KEYS[:3])
    OutboxEntry.objects.create(kind="token.mint", idempotency_key="lanes:1", lane=1)
    OutboxEntry.objects.create(kind="token.mint", idempotency_key="lanes:2", lane=1,
                               status=OutboxEntry.Status.SUBMITTED)
    OutboxEntry.objects.create(kind="token.mint", idempotency_key="lanes:3", lane=2,
                               status=OutboxEntry.Status.CONFIRMED)
    SignerLane.objects.create(target="security:1", lane=1)
    SignerLane.objects.create(target="security:2", lane=1)

    lanes = lane_statuses(now=timezone.now(), read_balances=False)

    assert [lane.signer for lane in lanes] == [Account.from_key(k).address for k in DEV_KEYS[:3]]
    assert [(lane.pending, lane.submitted, lane.targets) for lane in lanes] == [(0, 0, 0), (1, 1, 2), (0, 0, 0)]
    assert lanes[1].oldest_pending_seconds is not None and lanes[0].oldest_pending_seconds is None


def test_the_mirror_page_and_api_show_the_lanes(settings, client, operator):
    from conftest import force_login_verified

    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"
    settings.CHAIN_SIGNER_KEY = DEV_KEYS[0]
    settings.CHAIN_SIGNER_KEYS = list(DEV_KEYS[:2])
    OutboxEntry.objects.create(kind="token.mint", idempotency_key="lanes:page", lane=1)
    force_login_verified(client, operator)

    page = client.get("/chain/mirror/")
    assert page.status_code == 200
    assert b'data-testid="lane-1"' in page.content
    body = client.get("/api/chain/mirror/").json()
    assert [(lane["lane"], lane["pending"]) for lane in body["lanes"]] == [(0, 0), (1, 1)]
    assert body["lanes"][1]["balance_wei"] is None   # the node does not answer
