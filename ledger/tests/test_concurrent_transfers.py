"""Concurrent transfers in opposite directions never deadlock (locks in a fixed order) and
never lose an update; concurrent twins with one idempotency key record one action."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from ledger.invariants import check_invariants
from ledger.models import TokenAction
from ledger.selectors import register_positions
from ledger.services import tokens_issue, tokens_transfer

from .conftest import wallet_of

pytestmark = pytest.mark.django_db(transaction=True)


def _run(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive(), "a worker thread hung"


def _worker(fn, errors: list):
    def run() -> None:
        try:
            fn()
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()
    return run


def test_opposite_transfers_do_not_deadlock(bond, issuer_admin, investor_wallet, second_investor):
    other = wallet_of(second_investor)
    tokens_issue(security=bond, wallet=investor_wallet, amount=100, actor=issuer_admin, reason="")
    tokens_issue(security=bond, wallet=other, amount=100, actor=issuer_admin, reason="")
    a, b = investor_wallet.address, other.address
    errors: list = []

    def many(src: str, dst: str):
        def go() -> None:
            for _ in range(15):
                tokens_transfer(security=bond, from_wallet=src, to_wallet=dst, amount=1, actor=issuer_admin)
        return go

    _run([threading.Thread(target=_worker(many(a, b), errors)) for _ in range(2)]
         + [threading.Thread(target=_worker(many(b, a), errors)) for _ in range(2)])
    assert errors == []
    assert register_positions(security=bond) == {a: (100, 0), b: (100, 0)}
    assert TokenAction.objects.filter(kind="transfer").count() == 60
    assert check_invariants() == []


def test_concurrent_twins_with_one_key_record_one_action(bond, issuer_admin, investor_wallet):
    errors: list = []
    results: list = []

    def twin() -> None:
        results.append(tokens_issue(security=bond, wallet=investor_wallet, amount=5, actor=issuer_admin, reason="",
                                    idempotency_key="twin-1").pk)

    _run([threading.Thread(target=_worker(twin, errors)) for _ in range(4)])
    assert errors == [] and len(set(results)) == 1
    assert register_positions(security=bond) == {investor_wallet.address: (5, 0)}
