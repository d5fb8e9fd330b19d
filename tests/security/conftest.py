"""Fixtures shared by the access tests: an issuer's draft offering, documents kept in tmp."""

from __future__ import annotations

import pytest

from issuance.models import Offering
from issuance.tests.factories import IssuerFactory, OfferingFactory, SecurityFactory


@pytest.fixture
def documents_in_tmp(settings, tmp_path):
    settings.ISSUANCE_DOCUMENT_ROOT = tmp_path / "issuance-docs"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def draft(issuer_org, issuer_admin):
    """A draft offering of the personas' issuer (Sakura Robotics)."""
    security = SecurityFactory(issuer=IssuerFactory(organization=issuer_org), created_by=issuer_admin)
    return OfferingFactory(security=security, status=Offering.Status.DRAFT, documents=False)
