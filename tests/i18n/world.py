"""A small world for the Japanese crawl and the accessibility test: a bond with an offering,
subscriptions in several states, a holding, a KYC review, an issuer awaiting review, a break,
a forced transfer request and an offer on the board, so most pages show rows and not only their empty state."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

PERSONAS = ["issuer_admin", "issuer_member", "compliance_officer", "second_officer", "operator", "cash_agent",
            "verified_investor", "unverified_investor"]


def make_world(request, settings, tmp_path) -> dict:
    """Also used by tests/e2e/test_accessibility.py (its own fixture calls this)."""
    from chain.tests.factories import BreakFactory
    from compliance.tests.factories import KycReviewFactory
    from investors.models import Wallet
    from investors.tests.factories import InvestorProfileFactory
    from issuance.models import Security
    from issuance.tests.factories import IssuerFactory, OfferingFactory, SecurityFactory, SubscriptionFactory
    from ledger.services import forced_transfer_request, offer_create, tokens_issue
    from ledger.tests.factories import approved_investor

    issuer_org, issuer_admin, compliance_officer, verified_investor = (
        request.getfixturevalue(name)
        for name in ("issuer_org", "issuer_admin", "compliance_officer", "verified_investor"))
    for name in PERSONAS:
        request.getfixturevalue(name)
    settings.ISSUANCE_DOCUMENT_ROOT = tmp_path / "issuance-docs"
    settings.MEDIA_ROOT = tmp_path / "media"
    issuer = IssuerFactory(organization=issuer_org)
    bond = SecurityFactory(issuer=issuer, created_by=issuer_admin, name="Sakura Green Bond 2031", symbol="SGB31")
    SecurityFactory(issuer=issuer, created_by=issuer_admin, kind=Security.Kind.CASH, name="JPY coin",
                    symbol="JPYTC", currency="JPY", decimals=0)
    offering = OfferingFactory(security=bond)
    wallet = Wallet.objects.filter(profile__user=verified_investor).first()
    _, [wallet2] = approved_investor(email="taro@example.test")
    tokens_issue(security=bond, wallet=wallet, amount=10, actor=issuer_admin, reason="placement")
    tokens_issue(security=bond, wallet=wallet2, amount=2, actor=issuer_admin, reason="placement")
    later = timezone.now() + dt.timedelta(hours=1)
    return {
        "bond": bond, "offering": offering,
        "draft": OfferingFactory(security=bond, status="draft", documents=False),
        "sub": SubscriptionFactory(offering=offering, investor=verified_investor, units=2),
        "signed": SubscriptionFactory(offering=offering, investor=wallet2.profile.user, units=1, status="signed"),
        "ready": SubscriptionFactory(offering=offering, investor=verified_investor, units=1, status="ready_to_settle"),
        "pending_issuer": IssuerFactory(status="submitted"),
        "review": KycReviewFactory(profile=InvestorProfileFactory(kyc_status="submitted")),
        "break": BreakFactory(security=bond),
        "request": forced_transfer_request(security=bond, from_wallet=wallet.address, to_wallet=wallet2.address,
                                           amount=1, reason="Court order", actor=compliance_officer),
        "offer": offer_create(security=bond, wallet=wallet2, units=1, unit_price="1000", expires_at=later,
                              actor=wallet2.profile.user),
    }
