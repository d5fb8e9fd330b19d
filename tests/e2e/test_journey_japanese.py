"""Every role's journey, in Japanese, in a real browser (issue 15's "done when"): a company signs
up (with 2FA) and is approved by compliance, issues a bond and an offering; an investor signs
up, onboards (profile, document, a proven wallet) and, as a high-risk case, is approved by two
compliance officers; subscribes; the issuer confirms the funds, accepts and settles; the
investor sees the holding and the bond's terms. Each person has a browser with the ja-JP locale
and switches the site to Japanese. The steps are in tests/e2e/journey_steps.py, one function
each, so checks can be added between them."""

from __future__ import annotations

import pytest

from . import journey_steps as steps

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ISSUANCE_DOCUMENT_ROOT = tmp_path / "docs"


@pytest.fixture
def journey(live_server, browser, compliance_officer, second_officer):
    j = steps.Journey(
        base=live_server.url, browser=browser,
        company_admin=steps.Person("ren@kumo-denryoku.test", password="ume-no-hana-kawa-42"),
        officer=steps.Person(compliance_officer.email),
        second_officer=steps.Person(second_officer.email),
        investor=steps.Person("aiko@example.test", password="sakura-yama-umi-77"),
    )
    yield j
    j.close()


def test_every_role_journey_in_japanese(journey):
    j = journey
    steps.company_signs_up(j)
    steps.assert_notified(j, j.company_admin, "sign_up")
    steps.company_applies_as_issuer(j)
    steps.assert_notified(j, j.officer, "issuer_submitted")
    steps.assert_notified(j, j.second_officer, "issuer_submitted")
    steps.officer_approves_the_issuer(j)
    steps.assert_notified(j, j.company_admin, "sign_up", "issuer_decided")
    steps.notifications_listed(j, j.company_admin, "sign_up", "issuer_decided")
    steps.issuer_creates_a_bond(j)
    steps.assert_accessible(j.company_admin.page)
    steps.issuer_creates_and_publishes_an_offering(j)
    steps.investor_signs_up(j)
    steps.assert_notified(j, j.investor, "sign_up")
    steps.investor_onboards(j)
    steps.two_officers_approve_the_investor(j)
    steps.assert_notified(j, j.investor, "sign_up", "kyc_decided")
    steps.investor_subscribes(j)
    steps.assert_notified(j, j.company_admin, "sign_up", "issuer_decided", "subscription_received")
    steps.issuer_confirms_funds_accepts_and_settles(j)
    steps.assert_notified(j, j.investor, "sign_up", "kyc_decided", "subscription_accepted", "subscription_settled")
    steps.investor_sees_the_holding_with_its_terms(j)
    steps.assert_accessible(j.investor.page)
    steps.notifications_listed(j, j.investor, "kyc_decided", "subscription_accepted", "subscription_settled")
