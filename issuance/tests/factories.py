"""factory_boy factories for issuance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.core.files.base import ContentFile

from accounts.tests.factories import OrganizationFactory, UserFactory
from core.clock import business_today
from issuance import storage
from issuance.models import Issuer, Offering, OfferingDocument, Security, Subscription


class IssuerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Issuer

    organization = factory.SubFactory(OrganizationFactory)
    legal_name = factory.LazyAttribute(lambda o: o.organization.name)
    registration_number = factory.Sequence(lambda n: f"0100-01-{n:06d}")
    jurisdiction = "JP"
    address = "1-1 Marunouchi, Chiyoda-ku, Tokyo"
    representatives = "Sakura Taro"
    status = Issuer.Status.APPROVED


class SecurityFactory(factory.django.DjangoModelFactory):
    """A JPY bond with no rule restrictions."""

    class Meta:
        model = Security

    issuer = factory.SubFactory(IssuerFactory)
    kind = Security.Kind.BOND
    name = factory.Sequence(lambda n: f"Green Bond {n}")
    symbol = factory.Sequence(lambda n: f"GB{n}")
    currency = "JPY"
    decimals = 0
    face_value = Decimal("100000")
    coupon_rate = Decimal("1.25")
    coupon_frequency = Security.CouponFrequency.SEMIANNUAL
    day_count = Security.DayCount.ACT_365F
    issue_date = dt.date(2026, 4, 1)
    maturity_date = dt.date(2031, 3, 31)
    redemption_price = Decimal("100")
    created_by = factory.SubFactory(UserFactory)


def stored(kind: str, offering: Offering, body: bytes | None = None) -> OfferingDocument:
    """An attached document; by default a (minimal) real PDF, since uploads are checked by content."""
    upload = ContentFile(body or b"%PDF-1.4\n" + f"{kind} of {offering.title}".encode(), name=f"{kind}.pdf")
    upload.content_type = "application/pdf"
    return OfferingDocument.objects.create(offering=offering, kind=kind, uploaded_by=offering.created_by,
                                           **storage.store(upload, folder=f"offerings/{offering.pk}"))


class OfferingFactory(factory.django.DjangoModelFactory):
    """A published offering open today: 100,000 JPY a unit, 1-50 units each, cap 100."""

    class Meta:
        model = Offering
        skip_postgeneration_save = True

    security = factory.SubFactory(SecurityFactory)
    title = factory.LazyAttribute(lambda o: f"{o.security.name} offering")
    status = Offering.Status.PUBLISHED
    currency = "JPY"
    price = Decimal("100000")
    min_subscription = 1
    max_subscription = 50
    target = 80
    hard_cap = 100
    opens_on = factory.LazyFunction(lambda: business_today() - dt.timedelta(days=1))
    closes_on = factory.LazyFunction(lambda: business_today() + dt.timedelta(days=30))
    payment_instructions = "MUFG Bank, Marunouchi branch, ordinary 1234567, Sakura Robotics K.K."
    created_by = factory.SelfAttribute("security.created_by")

    @factory.post_generation
    def documents(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            stored(OfferingDocument.Kind.MEMORANDUM, obj)
            stored(OfferingDocument.Kind.AGREEMENT, obj)


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    offering = factory.SubFactory(OfferingFactory)
    investor = factory.SubFactory(UserFactory)
    units = 5
    amount = factory.LazyAttribute(lambda o: o.offering.price * o.units)
    currency = factory.SelfAttribute("offering.currency")
    status = Subscription.Status.PENDING
