"""The hard cap and the per-investor limit hold when requests race (real PostgreSQL, one
connection per thread, the offering row locked with SELECT ... FOR UPDATE)."""

import threading

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from core.errors import ApplicationError
from issuance.models import Subscription
from issuance.services import subscription_create

from .factories import OfferingFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _race(offering, investors, units):
    barrier = threading.Barrier(len(investors))
    outcomes = []

    def run(investor):
        try:
            barrier.wait(timeout=10)
            subscription_create(offering=offering, units=units, actor=investor)
            outcomes.append("ok")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in investors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


def test_hard_cap_holds_under_parallel_subscriptions():
    offering = OfferingFactory(hard_cap=100, target=100, max_subscription=30)
    outcomes = _race(offering, [UserFactory() for _ in range(8)], "30")
    assert sorted(outcomes) == ["above_remaining_cap"] * 5 + ["ok"] * 3
    assert sum(s.units for s in Subscription.objects.filter(offering=offering)) == 90


def test_per_investor_limit_holds_when_one_investor_double_submits():
    offering = OfferingFactory(hard_cap=100, target=100, max_subscription=30)
    investor = UserFactory()
    outcomes = _race(offering, [investor] * 6, "20")
    assert sorted(outcomes) == ["above_investor_maximum"] * 5 + ["ok"]
    assert Subscription.objects.filter(offering=offering, investor=investor).count() == 1
