"""Timelines: the audit events of a set of objects, oldest first, in words (never raw action
codes), with who did it (a name on staff pages, a role elsewhere, "You" for the viewer)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from core.audit import audit_record
from core.timeline import timeline_for
from issuance.models import Subscription
from issuance.tests.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


def _record(**kwargs):
    with transaction.atomic():
        return audit_record(**kwargs)


def test_words_people_and_order(verified_investor, issuer_admin, operator):
    sub = SubscriptionFactory(investor=verified_investor)
    _record(action="subscription.created", actor=verified_investor, obj=sub)
    _record(action="subscription.rejected", actor=issuer_admin, obj=sub,
            new={"status": "rejected", "reason": "Over the limit"})
    _record(action="subscription.ready_to_settle", actor=None, obj=sub, new={"status": "ready_to_settle"})
    _record(action="subscription.pending", actor=operator, obj=sub, new={"status": "pending"})
    _record(action="subscription.renamed", actor=operator, obj=sub)
    _record(action="access_denied", actor=operator, obj=sub)
    _record(action="subscription.created", actor=verified_investor, obj=SubscriptionFactory())   # another object
    with translation.override("en"):
        entries = timeline_for([sub], viewer=verified_investor)
    assert [(e.who, e.what, e.reason) for e in entries] == [
        ("You", "Subscription placed", ""),
        ("Issuer", "Subscription rejected", "Over the limit"),
        ("The platform", "Ready to settle", ""),
        ("Operator", "Status changed to Awaiting agreement", ""),
        ("Operator", "Record updated", ""),
    ]
    with translation.override("ja"):
        named = timeline_for([sub], viewer=operator, show_names=True)
        pending = str(Subscription.Status.PENDING.label)
    assert [e.who for e in named][:2] == [verified_investor.get_full_name(), issuer_admin.get_full_name()]
    assert named[0].what == "申込" and named[3].what == f"状態を「{pending}」に変更" and pending != "Awaiting agreement"
    assert timeline_for([], viewer=operator) == [] and timeline_for([None]) == []


def test_the_investors_subscription_page_shows_its_history_in_japanese(client, verified_investor, issuer_admin):
    sub = SubscriptionFactory(investor=verified_investor, status=Subscription.Status.REJECTED)
    _record(action="subscription.created", actor=verified_investor, obj=sub)
    _record(action="subscription.rejected", actor=issuer_admin, obj=sub, new={"status": "rejected", "reason": "満額"})
    client.force_login(verified_investor)
    client.cookies["django_language"] = "ja"
    page = client.get(reverse("issuance:my-subscription", args=[sub.pk])).content.decode()
    assert 'data-testid="timeline"' in page and "履歴" in page
    assert "あなた" in page and "申込を却下" in page and "満額" in page
    assert "subscription.rejected" not in page and issuer_admin.email not in page


def test_the_issuers_offering_page_shows_each_subscriptions_history(login_verified, issuer_admin, verified_investor):
    from issuance.tests.factories import IssuerFactory, OfferingFactory, SecurityFactory

    issuer = IssuerFactory(organization=issuer_admin.memberships.get().organization, status="approved")
    offering = OfferingFactory(security=SecurityFactory(issuer=issuer))
    sub = SubscriptionFactory(offering=offering, investor=verified_investor)
    _record(action="offering.published", actor=issuer_admin, obj=offering)
    _record(action="subscription.created", actor=verified_investor, obj=sub)
    client = login_verified(issuer_admin)
    page = client.get(reverse("issuance:offering", args=[offering.pk])).content.decode()
    assert f"{sub.payment_reference}: <strong>Subscription placed</strong>" in page
    assert verified_investor.get_full_name() in page
