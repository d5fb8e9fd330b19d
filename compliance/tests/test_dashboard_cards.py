"""The compliance dashboard counts each queue on its card, and each card links to the queue
already filtered (core.dashboard; the providers in compliance, issuance, ledger and chain)."""

from __future__ import annotations

import re

from django.urls import reverse

from compliance.models import KycReview
from compliance.tests.factories import KycReviewFactory
from issuance.models import Issuer
from issuance.tests.factories import IssuerFactory


def _count(page: str, testid: str) -> tuple[int, str]:
    match = re.search(rf'<a href="([^"]+)" class="card-count" data-testid="count-{testid}" data-count="(\d+)"', page)
    assert match, testid
    return int(match.group(2)), match.group(1).replace("&amp;", "&")


def test_cards_count_the_queues_and_link_to_them_filtered(login_verified, compliance_officer):
    KycReviewFactory()
    KycReviewFactory(status=KycReview.Status.AWAITING_SECOND, risk=KycReview.Risk.HIGH)
    KycReviewFactory(status=KycReview.Status.APPROVED, risk=KycReview.Risk.HIGH)   # decided: counted nowhere
    IssuerFactory(status=Issuer.Status.SUBMITTED, legal_name="Waiting K.K.")
    IssuerFactory(status=Issuer.Status.APPROVED, legal_name="Done K.K.")
    client = login_verified(compliance_officer)
    page = client.get(reverse("accounts:dashboard")).content.decode()

    assert _count(page, "kyc-open") == (2, reverse("compliance:queue"))
    assert _count(page, "kyc-awaiting-second") == (1, reverse("compliance:queue") + "?status=awaiting_second")
    assert _count(page, "kyc-high-risk") == (1, reverse("compliance:queue") + "?risk=high")
    assert _count(page, "issuer-applications") == (1, reverse("issuance:issuer-review-list") + "?status=submitted")
    assert _count(page, "forced-transfers") == (0, reverse("ledger:requests"))
    assert _count(page, "breaks") == (0, reverse("chain:breaks"))
    assert _count(page, "corporate-actions") == (0, reverse("servicing:desk"))

    # the links open the queues filtered as counted
    awaiting = client.get(_count(page, "kyc-awaiting-second")[1]).content.decode()
    assert awaiting.count('data-testid="review-row"') == 1
    issuers = client.get(_count(page, "issuer-applications")[1]).content.decode()
    assert "Waiting K.K." in issuers and "Done K.K." not in issuers


def test_issuer_list_ignores_an_unknown_status_filter(login_verified, compliance_officer):
    IssuerFactory(status=Issuer.Status.APPROVED, legal_name="Done K.K.")
    page = login_verified(compliance_officer).get(reverse("issuance:issuer-review-list") + "?status=<b>x")
    assert page.status_code == 200 and "Done K.K." in page.content.decode()
    assert 'data-testid="issuer-filter"' not in page.content.decode()


def test_an_investor_dashboard_has_no_compliance_cards(client, verified_investor):
    client.force_login(verified_investor)
    page = client.get(reverse("accounts:dashboard")).content.decode()
    assert "card-count" not in page
