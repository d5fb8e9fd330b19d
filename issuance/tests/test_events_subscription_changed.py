"""`subscription.changed` (core.events): every state a subscription reaches writes one event
(ids, status, previous status, units as text) for the issuer's organization, in the
transaction that moved it; a repeated call or a rolled-back one writes none. Settlement by the
register (ledger) is checked in ledger/tests/test_events_settlement_settled.py."""

import pytest

from core.errors import ConflictError
from core.models import Event
from issuance.models import OfferingDocument, Subscription
from issuance.services import (
    offering_cancel,
    subscription_accept,
    subscription_agreement_accept,
    subscription_cancel,
    subscription_create,
    subscription_mark_funded,
    subscription_reject,
    subscriptions_accept_bulk,
)

from .factories import SubscriptionFactory

pytestmark = pytest.mark.django_db
S = Subscription.Status


def _changes(sub):
    rows = Event.objects.filter(type="subscription.changed", data__subscription=sub.pk).order_by("id")
    return [(r.data["previous_status"], r.data["status"]) for r in rows]


def test_the_investors_path_to_ready_to_settle(offering, verified_investor, issuer_admin, issuer_org):
    sub = subscription_create(offering=offering, units="3", actor=verified_investor)
    digest = offering.document(OfferingDocument.Kind.AGREEMENT).sha256
    subscription_agreement_accept(subscription=sub, agreement_sha256=digest, actor=verified_investor)
    subscription_mark_funded(subscription=sub, reference="MIZUHO-1", actor=issuer_admin)
    subscription_accept(subscription=sub, actor=issuer_admin)
    with pytest.raises(ConflictError):                        # a repeat: refused, nothing emitted
        subscription_accept(subscription=sub, actor=issuer_admin)
    assert _changes(sub) == [(None, S.PENDING), (S.PENDING, S.SIGNED), (S.SIGNED, S.FUNDED),
                             (S.FUNDED, S.READY_TO_SETTLE)]
    last = Event.objects.get(key=f"subscription.changed:{sub.pk}:ready_to_settle")
    assert last.organization_id == issuer_org.pk
    assert last.data == {"subscription": sub.pk, "offering": offering.pk, "security": offering.security_id,
                         "status": "ready_to_settle", "previous_status": "funded", "units": "3"}


def test_accept_before_funds_then_reject_and_cancel(offering, issuer_admin, verified_investor):
    accepted = SubscriptionFactory(offering=offering, status=S.SIGNED)
    subscription_accept(subscription=accepted, actor=issuer_admin)
    subscription_reject(subscription=accepted, reason="Funds never came", actor=issuer_admin)
    cancelled = SubscriptionFactory(offering=offering, investor=verified_investor)
    subscription_cancel(subscription=cancelled, actor=verified_investor)
    assert _changes(accepted) == [(S.SIGNED, S.ACCEPTED), (S.ACCEPTED, S.REJECTED)]
    assert _changes(cancelled) == [(S.PENDING, S.CANCELLED)]
    assert "Funds never came" not in str(list(Event.objects.values_list("data", flat=True)))


def test_a_cancelled_offering_rejects_its_open_subscriptions(offering, issuer_admin):
    signed = SubscriptionFactory(offering=offering, status=S.SIGNED)
    pending = SubscriptionFactory(offering=offering)
    offering_cancel(offering=offering, reason="Market conditions", actor=issuer_admin)
    assert (_changes(signed), _changes(pending)) == ([(S.SIGNED, S.REJECTED)], [(S.PENDING, S.REJECTED)])


def test_a_refused_bulk_acceptance_emits_nothing(offering, issuer_admin):
    fine = SubscriptionFactory(offering=offering, status=S.SIGNED)
    refused = SubscriptionFactory(offering=offering, status=S.PENDING)    # cannot be accepted yet
    with pytest.raises(ConflictError):
        subscriptions_accept_bulk(offering=offering, subscription_ids=[fine.pk, refused.pk], actor=issuer_admin)
    assert not Event.objects.exists()                 # `fine` was accepted, then rolled back with the batch
    assert Subscription.objects.get(pk=fine.pk).status == S.SIGNED
