"""Codes shown as words (compliance.codes.describe): every code the rule engine and the KYC
screening can produce reads as a sentence, in English and in Japanese, and the review queue,
the review page and the offering pre-checks show the words, never the code."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from compliance.codes import FLAGGED_COUNTRY, SANCTIONS_MATCH, describe
from compliance.models import KycReview
from compliance.rules import Code
from compliance.tests.factories import KycReviewFactory

LATIN_WORDS = re.compile(r"[A-Za-z]{2,}(?:\s+[A-Za-z]{2,})+")


def every_code() -> list[str]:
    """Every code a person can meet: the rule engine's (as Code, number and name) and the
    screening's, for each country on the high-risk list."""
    codes: list = [*Code, *(int(c) for c in Code), *(c.name.lower() for c in Code), SANCTIONS_MATCH]
    codes += [f"{FLAGGED_COUNTRY}:{country}" for country in settings.COMPLIANCE_HIGH_RISK_COUNTRIES]
    return codes


@pytest.mark.parametrize("code", every_code(), ids=str)
def test_every_code_reads_as_a_sentence_in_english(code):
    with translation.override("en"):
        words = describe(code)
    assert words and "_" not in words and "Unknown reason" not in words and words != str(code)


@pytest.mark.parametrize("code", every_code(), ids=str)
def test_every_code_reads_in_japanese_without_english_words(code):
    with translation.override("ja"):
        words = describe(code)
    assert words and not LATIN_WORDS.search(words.replace("KYC", "")), words


def test_a_flagged_country_names_the_country():
    with translation.override("en"):
        assert describe("flagged_country:IR") == "Country on the high-risk list: Iran, Islamic Republic of"
    with translation.override("ja"):
        assert "イラン" in describe("flagged_country:IR")


def test_the_same_code_by_enum_number_and_name_reads_the_same():
    with translation.override("en"):
        assert describe(Code.NOT_ACCREDITED) == describe(11) == describe("not_accredited")


def test_an_unknown_code_is_shown_as_itself_after_a_lead_in():
    with translation.override("en"):
        assert describe("no_such_code") == "Unknown reason: no_such_code"
        assert describe(999) == "Unknown reason: 999"
        assert describe("") == "Unknown reason: "


def _high_risk_review():
    review = KycReviewFactory(risk=KycReview.Risk.HIGH, risk_reasons=["sanctions_match", "flagged_country:IR"])
    return review


def test_queue_and_review_page_show_the_reasons_as_words(login_verified, compliance_officer):
    review = _high_risk_review()
    client = login_verified(compliance_officer)
    queue = client.get(reverse("compliance:queue")).content.decode()
    page = client.get(reverse("compliance:review", args=[review.pk])).content.decode()
    for html in (queue, page):
        assert "Country on the high-risk list: Iran, Islamic Republic of" in html
        assert "Possible match on a sanctions list" in html
        assert "flagged_country" not in html and "sanctions_match" not in html


def test_review_page_reasons_in_japanese(login_verified, compliance_officer):
    review = _high_risk_review()
    client = login_verified(compliance_officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    page = client.get(reverse("compliance:review", args=[review.pk])).content.decode()
    reasons = page.split('data-testid="risk-reasons"')[1].split("</span>")[0]
    assert "イラン" in reasons and "flagged_country" not in reasons


def test_the_queue_names_the_country(login_verified, compliance_officer):
    KycReviewFactory(country="IR", profile__residence_country="IR")
    client = login_verified(compliance_officer)
    assert "Iran, Islamic Republic of (IR)" in client.get(reverse("compliance:queue")).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    assert "イラン・イスラム共和国 (IR)" in client.get(reverse("compliance:queue")).content.decode()
