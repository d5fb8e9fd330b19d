"""Publishing checks the issuer, the documents and the dates, and queues the token's
deployment in the core outbox in the same transaction; closing and cancelling."""

import pytest

from compliance.rules import InvestorType
from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from core.models import OutboxEntry
from issuance.models import Issuer, Offering, Subscription
from issuance.services import offering_cancel, offering_close, offering_publish

from .factories import OfferingFactory, SubscriptionFactory, stored


def test_publish_queues_the_token_deployment(draft_offering, issuer_admin):
    bond = draft_offering.security
    bond.allowed_countries, bond.accredited_only, bond.max_holding = ["JP", "SG"], True, 500
    bond.investor_types = [InvestorType.ACCREDITED]
    bond.save()
    offering = offering_publish(offering=draft_offering, actor=issuer_admin)
    assert offering.status == Offering.Status.PUBLISHED and offering.published_at
    entry = OutboxEntry.objects.get(idempotency_key=f"offering:{offering.pk}:deploy")
    assert entry.kind == "token.deploy"
    assert entry.payload == {
        "security_id": bond.pk, "name": bond.name, "symbol": bond.symbol, "decimals": 0,
        "rules": {"countries": [392, 702], "accredited_only": True, "qualified_only": False, "lockup_until": 0,
                  "max_holders": 0, "max_investor_balance": "500"},
    }


def test_a_second_offering_of_the_same_security_does_not_deploy_again(offering, issuer_admin):
    offering.security.deploy_requested_at = offering.published_at or offering.created_at
    offering.security.save()
    second = OfferingFactory(security=offering.security, status="draft")
    offering_publish(offering=second, actor=issuer_admin)
    assert not OutboxEntry.objects.exists()


def test_publish_without_documents_is_refused(bond, issuer_admin):
    draft = OfferingFactory(security=bond, status="draft", documents=False)
    stored("memorandum", draft)
    with pytest.raises(ConflictError) as err:
        offering_publish(offering=draft, actor=issuer_admin)
    assert err.value.code == "documents_missing" and "Subscription agreement" in err.value.message
    draft.refresh_from_db()
    assert draft.status == "draft" and not OutboxEntry.objects.exists()


def test_unapproved_issuer_cannot_publish(draft_offering, issuer_admin):
    Issuer.objects.filter(pk=draft_offering.security.issuer_id).update(status=Issuer.Status.SUBMITTED)
    with pytest.raises(ConflictError) as err:
        offering_publish(offering=draft_offering, actor=issuer_admin)
    assert err.value.code == "issuer_not_approved"


def test_member_cannot_publish(draft_offering, issuer_member):
    with pytest.raises(PermissionDeniedError):
        offering_publish(offering=draft_offering, actor=issuer_member)
    assert not OutboxEntry.objects.exists()


def test_publishing_twice_is_refused(offering, issuer_admin):
    with pytest.raises(ConflictError) as err:
        offering_publish(offering=offering, actor=issuer_admin)
    assert err.value.code == "invalid_transition"


def test_close_then_no_cancel(offering, issuer_admin):
    assert offering_close(offering=offering, actor=issuer_admin).status == Offering.Status.CLOSED
    with pytest.raises(ConflictError):
        offering_cancel(offering=offering, reason="late", actor=issuer_admin)


def test_cancel_rejects_open_subscriptions_and_needs_a_reason(offering, issuer_admin):
    sub = SubscriptionFactory(offering=offering, status="signed")
    with pytest.raises(ApplicationError) as err:
        offering_cancel(offering=offering, reason="", actor=issuer_admin)
    assert err.value.code == "required"
    offering_cancel(offering=offering, reason="Market conditions", actor=issuer_admin)
    sub.refresh_from_db()
    assert sub.status == Subscription.Status.REJECTED and sub.rejection_reason == "Market conditions"


def test_cancel_is_refused_once_tokens_were_issued(offering, issuer_admin):
    settled = SubscriptionFactory(offering=offering, status=Subscription.Status.SETTLED)
    with pytest.raises(ConflictError) as err:
        offering_cancel(offering=offering, reason="Market conditions", actor=issuer_admin)
    assert err.value.code == "subscriptions_settled"
    offering.refresh_from_db()
    settled.refresh_from_db()
    assert offering.status == Offering.Status.PUBLISHED and settled.status == Subscription.Status.SETTLED
