"""The investor accepts the subscription agreement: time, IP and the document's hash."""

import pytest

from core import context
from core.errors import ConflictError, NotFoundError
from issuance.models import OfferingDocument, Subscription
from issuance.services import subscription_agreement_accept, subscription_cancel

from .factories import SubscriptionFactory


@pytest.fixture
def sub(offering, verified_investor):
    return SubscriptionFactory(offering=offering, investor=verified_investor, units=5)


def test_acceptance_records_time_ip_and_hash(sub, verified_investor):
    digest = sub.offering.document(OfferingDocument.Kind.AGREEMENT).sha256
    token = context.client_ip.set("203.0.113.7")
    try:
        signed = subscription_agreement_accept(subscription=sub, agreement_sha256=digest, actor=verified_investor)
    finally:
        context.client_ip.reset(token)
    assert signed.status == Subscription.Status.SIGNED
    assert signed.agreement_accepted_at and signed.agreement_ip == "203.0.113.7" and signed.agreement_sha256 == digest


def test_a_stale_document_hash_is_refused(sub, verified_investor):
    with pytest.raises(ConflictError) as err:
        subscription_agreement_accept(subscription=sub, agreement_sha256="0" * 64, actor=verified_investor)
    assert err.value.code == "agreement_mismatch"
    sub.refresh_from_db()
    assert sub.status == Subscription.Status.PENDING


def test_someone_else_cannot_sign_or_cancel(sub, outsider):
    digest = sub.offering.document(OfferingDocument.Kind.AGREEMENT).sha256
    with pytest.raises(NotFoundError):
        subscription_agreement_accept(subscription=sub, agreement_sha256=digest, actor=outsider)
    with pytest.raises(NotFoundError):
        subscription_cancel(subscription=sub, actor=outsider)


def test_investor_cancels_before_funding(sub, verified_investor):
    assert subscription_cancel(subscription=sub, actor=verified_investor).status == Subscription.Status.CANCELLED
    with pytest.raises(ConflictError):
        subscription_cancel(subscription=sub, actor=verified_investor)
