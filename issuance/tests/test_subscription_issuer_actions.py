"""The issuer marks funds received, accepts or rejects, one by one or in bulk; accepted and
funded subscriptions are ready to settle."""

import pytest
from django.urls import reverse

from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from core.models import AuditEvent
from issuance.models import Subscription
from issuance.services import (
    subscription_accept,
    subscription_mark_funded,
    subscription_reject,
    subscriptions_accept_bulk,
    subscriptions_reject_bulk,
)

from .factories import SubscriptionFactory

S = Subscription.Status


def test_funded_then_accepted_is_ready_to_settle(offering, issuer_admin):
    sub = SubscriptionFactory(offering=offering, status=S.SIGNED)
    sub = subscription_mark_funded(subscription=sub, reference="MUFG-20260512-001", actor=issuer_admin)
    assert sub.status == S.FUNDED and sub.funding_reference == "MUFG-20260512-001" and sub.funded_at
    assert subscription_accept(subscription=sub, actor=issuer_admin).status == S.READY_TO_SETTLE
    assert AuditEvent.objects.filter(action="subscription.ready_to_settle", object_id=str(sub.pk)).exists()


def test_accepted_then_funded_is_ready_to_settle(offering, issuer_admin):
    sub = SubscriptionFactory(offering=offering, status=S.SIGNED)
    assert subscription_accept(subscription=sub, actor=issuer_admin).status == S.ACCEPTED
    funded = subscription_mark_funded(subscription=sub, reference="wire 42", actor=issuer_admin)
    assert funded.status == S.READY_TO_SETTLE


def test_funding_needs_a_reference_and_a_signed_agreement(offering, issuer_admin):
    pending = SubscriptionFactory(offering=offering, status=S.PENDING)
    with pytest.raises(ApplicationError) as err:
        subscription_mark_funded(subscription=pending, reference=" ", actor=issuer_admin)
    assert err.value.code == "required"
    with pytest.raises(ConflictError):
        subscription_mark_funded(subscription=pending, reference="wire 1", actor=issuer_admin)
    pending.refresh_from_db()
    assert pending.status == S.PENDING and pending.funding_reference == ""


def test_reject_needs_a_reason(offering, issuer_admin):
    sub = SubscriptionFactory(offering=offering, status=S.FUNDED)
    with pytest.raises(ApplicationError):
        subscription_reject(subscription=sub, reason="", actor=issuer_admin)
    sub = subscription_reject(subscription=sub, reason="Source of funds unclear", actor=issuer_admin)
    assert sub.status == S.REJECTED and sub.rejection_reason == "Source of funds unclear"


def test_bulk_accept_is_all_or_nothing(offering, issuer_admin):
    good = SubscriptionFactory.create_batch(3, offering=offering, status=S.FUNDED)
    bad = SubscriptionFactory(offering=offering, status=S.PENDING)
    with pytest.raises(ConflictError):
        subscriptions_accept_bulk(offering=offering, subscription_ids=[s.pk for s in [*good, bad]], actor=issuer_admin)
    assert set(Subscription.objects.values_list("status", flat=True)) == {S.FUNDED, S.PENDING}
    assert subscriptions_accept_bulk(offering=offering, subscription_ids=[s.pk for s in good], actor=issuer_admin) == 3
    assert Subscription.objects.filter(status=S.READY_TO_SETTLE).count() == 3


def test_bulk_reject(offering, issuer_admin):
    subs = SubscriptionFactory.create_batch(2, offering=offering, status=S.SIGNED)
    assert subscriptions_reject_bulk(offering=offering, subscription_ids=[s.pk for s in subs], reason="Oversubscribed",
                                     actor=issuer_admin) == 2
    with pytest.raises(ApplicationError) as err:
        subscriptions_reject_bulk(offering=offering, subscription_ids=[], reason="x", actor=issuer_admin)
    assert err.value.code == "nothing_selected"


def test_bulk_with_another_offerings_subscription_is_refused(offering, other_offering, issuer_admin):
    foreign = SubscriptionFactory(offering=other_offering, status=S.FUNDED)
    with pytest.raises(NotFoundError):
        subscriptions_accept_bulk(offering=offering, subscription_ids=[foreign.pk], actor=issuer_admin)
    foreign.refresh_from_db()
    assert foreign.status == S.FUNDED


def test_a_member_takes_no_money_step(offering, issuer_member):
    """Marking funds received, accepting and rejecting are issuer-admin steps (2FA); a member
    without a second factor gets 403 admin_required and nothing changes (issue 11, item 5)."""
    sub = SubscriptionFactory(offering=offering, status=S.SIGNED)
    steps = [lambda: subscription_mark_funded(subscription=sub, reference="MUFG-1", actor=issuer_member),
             lambda: subscription_accept(subscription=sub, actor=issuer_member),
             lambda: subscription_reject(subscription=sub, reason="no", actor=issuer_member),
             lambda: subscriptions_accept_bulk(offering=offering, subscription_ids=[sub.pk], actor=issuer_member),
             lambda: subscriptions_reject_bulk(offering=offering, subscription_ids=[sub.pk], reason="no",
                                               actor=issuer_member)]
    for step in steps:
        with pytest.raises(PermissionDeniedError) as err:
            step()
        assert err.value.code == "admin_required"
    sub.refresh_from_db()
    assert sub.status == S.SIGNED and not sub.funding_reference
    assert not AuditEvent.objects.filter(object_id=str(sub.pk), action__startswith="subscription.").exists()


def test_another_issuers_member_cannot_touch_subscriptions(other_offering, issuer_member):
    sub = SubscriptionFactory(offering=other_offering, status=S.SIGNED)
    with pytest.raises(NotFoundError):
        subscription_mark_funded(subscription=sub, reference="x", actor=issuer_member)
    with pytest.raises(NotFoundError):
        subscriptions_accept_bulk(offering=other_offering, subscription_ids=[sub.pk], actor=issuer_member)


def test_the_offering_page_offers_the_money_steps_to_admins_only(client, login_verified, offering, issuer_admin,
                                                                 issuer_member):
    SubscriptionFactory(offering=offering, status=S.SIGNED)
    url = reverse("issuance:offering", args=[offering.pk])
    client.force_login(issuer_member)
    page = client.get(url).content.decode()
    assert "Mark funds received" not in page and "Accept selected" not in page
    login_verified(issuer_admin)
    page = client.get(url).content.decode()
    assert "Mark funds received" in page and "Accept selected" in page
