"""The register's demo data loads and is idempotent."""

from __future__ import annotations

from issuance.tests.factories import IssuerFactory, SecurityFactory
from ledger.demo import demo_lines
from ledger.invariants import check_invariants
from ledger.models import TokenAction


def test_demo_issues_once(issuer_org, issuer_admin, verified_investor):
    issuer = IssuerFactory(organization=issuer_org)
    SecurityFactory(issuer=issuer, symbol="SKRGB29", created_by=issuer_admin)
    SecurityFactory(issuer=issuer, symbol="SKRCS", kind="equity", created_by=issuer_admin)
    first = demo_lines()
    assert len(first) == 2 and "25 SKRGB29" in first[0] and "1000 SKRCS" in first[1]
    demo_lines()
    assert TokenAction.objects.count() == 2 and check_invariants() == []


def test_demo_without_the_bond_does_nothing(db):
    assert demo_lines() == []
