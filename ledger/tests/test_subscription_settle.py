"""Settling ready-to-settle subscriptions: one ISSUE action each, subscription -> settled."""

from __future__ import annotations

import pytest

from core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from investors.models import Wallet
from issuance.models import Subscription
from issuance.tests.factories import SubscriptionFactory
from ledger.invariants import check_invariants
from ledger.models import TokenAction
from ledger.selectors import control_book_for, register_positions
from ledger.services import subscription_settle, subscriptions_settle

from .factories import approved_investor


def test_settle_issues_the_units_to_the_earliest_wallet(ready_subscription, issuer_admin, investor_wallet):
    action = subscription_settle(subscription=ready_subscription, actor=issuer_admin)
    ready_subscription.refresh_from_db()
    assert ready_subscription.status == Subscription.Status.SETTLED
    assert action.cause == f"subscription:{ready_subscription.pk}" and action.to_wallet == investor_wallet.address
    assert register_positions(security=ready_subscription.offering.security) == {investor_wallet.address: (5, 0)}
    assert action.outbox.kind == "token.mint"
    assert check_invariants() == []


def test_a_member_cannot_settle(ready_subscription, issuer_member):
    """Settling mints: an issuer-admin step (2FA), as a direct issue is (issue 11, item 5)."""
    for settle in (lambda: subscription_settle(subscription=ready_subscription, actor=issuer_member),
                   lambda: subscriptions_settle(subscriptions=[ready_subscription], actor=issuer_member)):
        with pytest.raises(PermissionDeniedError) as err:
            settle()
        assert err.value.code == "admin_required"
    ready_subscription.refresh_from_db()
    assert ready_subscription.status == Subscription.Status.READY_TO_SETTLE and not TokenAction.objects.exists()


def test_settling_twice_returns_the_first_action(ready_subscription, issuer_admin):
    first = subscription_settle(subscription=ready_subscription, actor=issuer_admin)
    again = subscription_settle(subscription=ready_subscription, actor=issuer_admin)
    assert again.pk == first.pk and TokenAction.objects.count() == 1


def test_bulk_settle_writes_one_action_per_subscription(offering, issuer_admin, verified_investor):
    other, _w = approved_investor()
    subs = [SubscriptionFactory(offering=offering, investor=u, units=n, status="ready_to_settle")
            for u, n in ((verified_investor, 2), (other, 3))]
    actions = subscriptions_settle(subscriptions=subs, actor=issuer_admin)
    assert [int(a.amount) for a in actions] == [2, 3]
    assert control_book_for(security=offering.security).outstanding == 5
    assert check_invariants() == []


def test_bulk_settle_is_all_or_nothing(offering, issuer_admin, verified_investor):
    ok = SubscriptionFactory(offering=offering, investor=verified_investor, units=2, status="ready_to_settle")
    not_ready = SubscriptionFactory(offering=offering, investor=verified_investor, units=2, status="signed")
    with pytest.raises(ApplicationError) as refused:
        subscriptions_settle(subscriptions=[ok, not_ready], actor=issuer_admin)
    assert refused.value.code == "not_ready_to_settle"
    assert not TokenAction.objects.exists()
    ok.refresh_from_db()
    assert ok.status == "ready_to_settle"


def test_an_investor_without_an_active_wallet_gets_a_clear_error(ready_subscription, issuer_admin):
    Wallet.objects.filter(profile__user=ready_subscription.investor).update(status=Wallet.Status.REMOVED)
    with pytest.raises(ApplicationError) as refused:
        subscription_settle(subscription=ready_subscription, actor=issuer_admin)
    assert refused.value.code == "no_wallet" and "no active wallet" in refused.value.message
    assert not TokenAction.objects.exists()


def test_an_outsider_cannot_settle(ready_subscription, outsider):
    with pytest.raises(NotFoundError):
        subscription_settle(subscription=ready_subscription, actor=outsider)
    assert not TokenAction.objects.exists()
