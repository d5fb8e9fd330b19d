"""Issuance fixtures: the persona's organization as an approved issuer, a published bond
offering, another issuer, documents in a temporary directory, and investor facts.

Investor facts come from compliance.selectors.investor_facts_for (issue 4). `facts` lets a
test say what the rule engine is told about a user; by default every investor is a
KYC-approved Japanese retail investor with a registered wallet."""

from __future__ import annotations

import datetime as dt

import pytest

from compliance.rules import InvestorFacts, InvestorType
from issuance import eligibility

from .factories import IssuerFactory, OfferingFactory, SecurityFactory

REAL_INVESTOR_FACTS = eligibility.investor_facts


def approved_facts(user, **changes) -> InvestorFacts:
    values = {"investor_id": user.pk, "kyc_approved": True, "kyc_expires_on": dt.date(2099, 1, 1),
              "country": "JP", "investor_type": InvestorType.RETAIL}
    return InvestorFacts(**{**values, **changes})


@pytest.fixture(autouse=True)
def _private_documents(settings, tmp_path):
    settings.ISSUANCE_DOCUMENT_ROOT = tmp_path / "issuance-docs"


@pytest.fixture(autouse=True)
def facts(monkeypatch):
    """{user_pk: {field: value}} overrides for InvestorFacts; set before the call."""
    overrides: dict[int, dict] = {}
    monkeypatch.setattr(eligibility, "investor_facts", lambda user: approved_facts(user, **overrides.get(user.pk, {})))
    return overrides


@pytest.fixture
def issuer(issuer_org):
    return IssuerFactory(organization=issuer_org)


@pytest.fixture
def bond(issuer, issuer_admin):
    return SecurityFactory(issuer=issuer, created_by=issuer_admin, name="Sakura Green Bond 2031", symbol="SGB31")


@pytest.fixture
def offering(bond):
    return OfferingFactory(security=bond, title="Sakura Green Bond 2031 offering")


@pytest.fixture
def draft_offering(bond):
    return OfferingFactory(security=bond, status="draft", title="Draft bond offering")


@pytest.fixture
def other_offering(db):
    """Another issuer's published offering (its people are not our personas)."""
    return OfferingFactory(title="Fuji Foods offering")
