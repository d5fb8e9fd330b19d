"""Demo data: Sakura Robotics K.K. as an approved issuer with a JPY bond and a published
offering, advertised on the public home page, and its common shares (issued to the demo
investors by ledger/demo.py, so the cap table's OCF and JOCF exports have equity to show).
Idempotent: finds what exists, creates only what is missing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organization
from core.audit import audit_record
from core.clock import business_today
from core.outbox import outbox_put

from . import storage
from .models import Issuer, Offering, OfferingDocument, Security
from .services.offerings import deploy_payload

DEMO_ORGANIZATION = "Sakura Robotics K.K."
DEMO_SHARES_SYMBOL = "SKRCS"


def demo_lines() -> list[str]:
    offering = load_demo_issuance()
    if offering is None:
        return []
    return [f"Issuance: {DEMO_ORGANIZATION} (approved) offers '{offering.title}' at /issuance/market/",
            f"Issuance: {DEMO_ORGANIZATION} common shares ({DEMO_SHARES_SYMBOL}): cap table exports (OCF, JOCF) "
            "on the register's cap table page"]


@transaction.atomic
def load_demo_issuance() -> Offering | None:
    org = Organization.objects.filter(name=DEMO_ORGANIZATION).first()
    admin = (Membership.objects.filter(organization=org, role=Membership.Role.ADMIN).select_related("user").first()
             if org else None)
    if admin is None:
        return None
    actor = admin.user
    issuer, created = Issuer.objects.get_or_create(organization=org, defaults={
        "legal_name": DEMO_ORGANIZATION, "registration_number": "0100-01-000001", "jurisdiction": "JP",
        "address": "1-1 Marunouchi, Chiyoda-ku, Tokyo", "representatives": "Taro Issuer-Admin",
        "status": Issuer.Status.APPROVED, "decided_at": timezone.now()})
    if created:
        audit_record(action="issuer.created", obj=issuer, new={"status": issuer.status, "source": "demo_data"})
    security, created = Security.objects.get_or_create(issuer=issuer, symbol="SKRGB29", defaults={
        "kind": Security.Kind.BOND, "name": "Sakura Robotics Green Bond 2029", "currency": "JPY", "decimals": 0,
        "face_value": Decimal("100000"), "coupon_rate": Decimal("1.20"),
        "coupon_frequency": Security.CouponFrequency.SEMIANNUAL,
        "day_count": Security.DayCount.ACT_365F, "issue_date": dt.date(2026, 7, 1),
        "maturity_date": dt.date(2029, 6, 30),
        "redemption_price": Decimal("100"), "allowed_countries": ["JP"], "max_holders": 500, "created_by": actor})
    if created:
        audit_record(action="security.created", obj=security, new={"symbol": security.symbol, "source": "demo_data"})
    today = business_today()
    offering, created = Offering.objects.get_or_create(
        security=security, title="Sakura Green Bond 2029 – public offering", defaults={
        "status": Offering.Status.PUBLISHED, "currency": "JPY", "price": Decimal("100000"), "min_subscription": 1,
        "max_subscription": 100, "target": 3000, "hard_cap": 5000, "opens_on": today,
        "closes_on": today + dt.timedelta(days=60),
        "payment_instructions": "MUFG Bank, Marunouchi branch\nOrdinary account 1234567\nSakura Robotics K.K.",
        "published_at": timezone.now(), "created_by": actor, "is_public": True})
    if created:
        for kind, label in OfferingDocument.Kind.choices:
            upload = ContentFile(f"{label}: {offering.title} (demo)".encode(), name=f"{kind}.txt")
            upload.content_type = "text/plain"
            OfferingDocument.objects.create(offering=offering, kind=kind, uploaded_by=actor,
                                            **storage.store(upload, folder=f"offerings/{offering.pk}"))
        outbox_put(deploy_payload(security), idempotency_key=f"offering:{offering.pk}:deploy")
        Security.objects.filter(pk=security.pk).update(deploy_requested_at=timezone.now())
        audit_record(action="offering.published", obj=offering, new={"source": "demo_data"})
    _demo_shares(issuer, actor)
    return offering


def _demo_shares(issuer: Issuer, actor) -> Security:
    """The issuer's common shares, deployed without an offering (issued directly in the register)."""
    shares, created = Security.objects.get_or_create(issuer=issuer, symbol=DEMO_SHARES_SYMBOL, defaults={
        "kind": Security.Kind.EQUITY, "name": "Sakura Robotics common shares", "currency": "JPY", "decimals": 0,
        "share_class": "Common", "par_value": None, "authorized_shares": Decimal("1000000"),
        "allowed_countries": ["JP"], "max_holders": 500, "created_by": actor})
    if created:
        audit_record(action="security.created", obj=shares, new={"symbol": shares.symbol, "source": "demo_data"})
        outbox_put(deploy_payload(shares), idempotency_key=f"security:{shares.pk}:deploy")
        Security.objects.filter(pk=shares.pk).update(deploy_requested_at=timezone.now())
    return shares
