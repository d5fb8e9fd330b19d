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
    steps.company_signs_up(journey)
    steps.company_applies_as_issuer(journey)
    steps.officer_approves_the_issuer(journey)
    steps.issuer_creates_a_bond(journey)
    steps.issuer_creates_and_publishes_an_offering(journey)
    steps.investor_signs_up(journey)
    steps.investor_onboards(journey)
    steps.two_officers_approve_the_investor(journey)
    steps.investor_subscribes(journey)
    steps.issuer_confirms_funds_accepts_and_settles(journey)
    steps.investor_sees_the_holding_with_its_terms(journey)
