"""The public home page at "/": what the platform does, and only the offerings their issuer
marked public that are open or upcoming (never a private placement, a draft or a closed one)."""

import datetime as dt

import pytest
from django.urls import reverse

from core.clock import business_today
from issuance.models import Offering
from issuance.selectors import offerings_public
from issuance.tests.factories import OfferingFactory, SecurityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def offerings():
    today = business_today()
    security = SecurityFactory()

    def make(title, **kw):
        return OfferingFactory(security=security, title=title, documents=False, **kw)

    return {
        "open": make("Open public bond", is_public=True),
        "upcoming": make("Upcoming public bond", is_public=True, opens_on=today + dt.timedelta(days=5),
                         closes_on=today + dt.timedelta(days=40)),
        "private": make("Private placement 506b", is_public=False),
        "draft": make("Draft public bond", is_public=True, status=Offering.Status.DRAFT),
        "ended": make("Ended public bond", is_public=True, opens_on=today - dt.timedelta(days=30),
                      closes_on=today - dt.timedelta(days=1)),
        "closed": make("Closed public bond", is_public=True, status=Offering.Status.CLOSED),
    }


def test_anonymous_visitors_see_what_the_platform_does_and_only_public_open_or_upcoming_offerings(client, offerings):
    response = client.get(reverse("home"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "For issuers" in page and "For investors" in page
    assert reverse("accounts:signup-company") in page and reverse("accounts:signup") in page
    assert "Open public bond" in page and "Upcoming public bond" in page
    for hidden in ("Private placement 506b", "Draft public bond", "Ended public bond", "Closed public bond"):
        assert hidden not in page
    assert 'data-testid="dashboard-link"' not in page


def test_the_selector_lists_open_then_upcoming_and_nothing_private(offerings):
    assert list(offerings_public()) == [offerings["open"], offerings["upcoming"]]


def test_a_signed_in_person_sees_the_page_with_a_link_to_their_dashboard(client, verified_investor, offerings):
    client.force_login(verified_investor)

    page = client.get(reverse("home")).content.decode()

    assert 'data-testid="dashboard-link"' in page and reverse("accounts:dashboard") in page
    assert "Private placement 506b" not in page


def test_the_home_page_is_in_japanese_for_japanese_visitors(client, offerings):
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()

    assert "発行体の皆さまへ" in page and "募集中" in page and "For issuers" not in page


def test_the_home_page_only_reads(client):
    assert client.post(reverse("home")).status_code == 405
