"""Issuance's state changes tell the people concerned (notifications.hooks): compliance hears
of a submitted application, the issuer's admins of the decision and of new subscriptions, the
investor of the acceptance. Once per event."""

import pytest
from django.core.files.base import ContentFile

from accounts.models import Role
from accounts.tests.factories import UserFactory
from issuance.models import Subscription
from issuance.services import (
    issuer_approve,
    issuer_document_add,
    issuer_reject,
    issuer_save,
    issuer_submit,
    subscription_accept,
    subscription_create,
    subscriptions_accept_bulk,
)
from notifications.kinds import Kind
from notifications.models import Notification

from .factories import SubscriptionFactory

DATA = {"legal_name": "Sakura Robotics K.K.", "registration_number": "0100-01-123456", "jurisdiction": "jp",
        "address": "1-1 Marunouchi, Tokyo", "representatives": "Sakura Taro"}


def _kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


@pytest.fixture
def submitted(issuer_org, issuer_admin):
    issuer = issuer_save(organization=issuer_org, actor=issuer_admin, **DATA)
    upload = ContentFile(b"%PDF-1.4 articles", name="articles.pdf")
    upload.content_type = "application/pdf"
    issuer_document_add(issuer=issuer, title="Articles", upload=upload, actor=issuer_admin)
    return issuer_submit(issuer=issuer, actor=issuer_admin)


def test_submitted_application_tells_every_compliance_officer(compliance_officer, second_officer, submitted):
    for officer in (compliance_officer, second_officer):
        row = Notification.objects.get(recipient=officer)
        assert row.kind == Kind.ISSUER_SUBMITTED and row.params["issuer"] == "Sakura Robotics K.K."
        assert row.link == f"/issuance/review/{submitted.pk}/"


def test_decisions_tell_the_admins_not_the_members(compliance_officer, issuer_admin, issuer_member, submitted):
    issuer = issuer_reject(issuer=submitted, reason="Extract too old", actor=compliance_officer)
    issuer_submit(issuer=issuer, actor=issuer_admin)   # a resubmission is a new event for compliance
    issuer_approve(issuer=issuer, actor=compliance_officer)
    rows = Notification.objects.filter(recipient=issuer_admin, kind=Kind.ISSUER_DECIDED).order_by("id")
    assert [(r.params["outcome"], r.params["reason"]) for r in rows] == [("rejected", "Extract too old"),
                                                                         ("approved", "")]
    assert _kinds(issuer_member) == []
    assert _kinds(compliance_officer) == [Kind.ISSUER_SUBMITTED] * 2


def test_new_subscription_tells_the_issuers_admins(offering, verified_investor, issuer_admin, issuer_member):
    sub = subscription_create(offering=offering, units="3", actor=verified_investor)
    row = Notification.objects.get(recipient=issuer_admin)
    assert row.kind == Kind.SUBSCRIPTION_RECEIVED and row.event == f"subscription.created:{sub.pk}"
    assert row.params["units"] == "3" and row.params["offering"] == offering.title
    assert _kinds(issuer_member) == []


def test_acceptance_tells_the_investor_once(offering, issuer_admin):
    investor = UserFactory(role=Role.INVESTOR)
    one = SubscriptionFactory(offering=offering, investor=investor, status=Subscription.Status.SIGNED)
    two = SubscriptionFactory(offering=offering, investor=investor, status=Subscription.Status.SIGNED)
    subscription_accept(subscription=one, actor=issuer_admin)
    subscriptions_accept_bulk(offering=offering, subscription_ids=[two.pk], actor=issuer_admin)
    rows = Notification.objects.filter(recipient=investor, kind=Kind.SUBSCRIPTION_ACCEPTED)
    assert sorted(r.event for r in rows) == [f"subscription.accepted:{one.pk}", f"subscription.accepted:{two.pk}"]
