"""Reads of the issuance app, scoped by who asks. A refused object read records an
`access_denied` audit event and raises NotFoundError (404: no oracle; accounts.access)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from accounts.access import access_deny, sees_organization
from accounts.memberships import organization_active_require
from accounts.models import Invitation, Membership, Organization, User
from core.clock import business_today
from core.errors import NotFoundError

from . import eligibility
from .models import Issuer, Offering, OfferingDocument, Security, Subscription
from .models.issuers import IssuerDocument
from .schedule import BondTerms, CouponPeriod, Redemption, ScheduleError, bond_redemption, bond_schedule


def issuer_for(*, user: User) -> Issuer | None:
    """The issuer of the organization the user acts in (accounts.memberships), if it has
    applied. 409 organization_required for a person in several organizations who has not
    chosen one: nothing is read from, or created in, an organization they did not pick."""
    organization = organization_active_require(user=user)
    if organization is None:
        return None
    return Issuer.objects.filter(organization=organization).select_related("organization").first()


def issuer_require(*, user: User) -> Issuer:
    """issuer_for, for the pages and API views that act as the user's issuer: 404 no_issuer
    when their organization has not applied as an issuer yet."""
    issuer = issuer_for(user=user)
    if issuer is None:
        raise NotFoundError(_("Your organization has not applied as an issuer yet."), code="no_issuer")
    return issuer


def organization_for(*, user: User) -> Organization | None:
    """The organization the user acts in (409 organization_required as in issuer_for)."""
    return organization_active_require(user=user)


def issuer_get_for(*, user: User, pk: int) -> Issuer:
    issuer = Issuer.objects.select_related("organization").filter(pk=pk).first()
    if issuer is not None and sees_organization(user, issuer.organization_id):
        return issuer
    access_deny(user, object_type="issuance.issuer", object_id=pk)


def issuers_for_review() -> QuerySet[Issuer]:
    return (Issuer.objects.select_related("organization").annotate(n_docs=Count("documents"))
            .order_by("status", "legal_name"))


def security_get_for(*, user: User, pk: int) -> Security:
    security = Security.objects.select_related("issuer").filter(pk=pk).first()
    if security is not None and sees_organization(user, security.issuer.organization_id):
        return security
    access_deny(user, object_type="issuance.security", object_id=pk)


def security_get_for_schedule(*, user: User, pk: int) -> Security:
    """A security whose coupon schedule `user` may read: as for the security itself (its
    issuer's people, staff read-only), and for anyone signed in when it has a published or
    closed offering (the market shows those to every investor, who reads the terms before
    subscribing: offering_get_published)."""
    security = Security.objects.select_related("issuer").filter(pk=pk).first()
    if security is not None and (sees_organization(user, security.issuer.organization_id)
                                 or security.offerings.filter(status__in=PUBLIC_STATES).exists()):
        return security
    access_deny(user, object_type="issuance.security", object_id=pk)


@dataclass(frozen=True)
class BondScheduleView:
    """A bond's coupon schedule for the pages and the API; `error` when its stored terms do
    not give one (the schedule is then empty and the page says why)."""

    terms: BondTerms | None
    periods: list[CouponPeriod]
    redemption: Redemption | None
    error: ScheduleError | None = None

    @property
    def calendar_label(self) -> str:
        return Security.Calendar(self.terms.calendar).label if self.terms else ""

    @property
    def convention_label(self) -> str:
        return Security.Convention(self.terms.payment_convention).label if self.terms else ""

    @property
    def redemption_price(self) -> str:
        """The redemption price in % without trailing zeros (101.5, 100)."""
        return _plain(self.redemption.price) if self.redemption else ""

    @property
    def rate(self) -> str:
        return _plain(self.terms.rate) if self.terms else ""

    @property
    def face(self) -> str:
        """The face value in the currency's minor unit (JPY 1000000, USD 1000.00)."""
        return str(self.terms.face.quantize(Decimal(1).scaleb(-self.terms.minor_unit))) if self.terms else ""

    @property
    def rounding_label(self) -> str:
        return Security.Rounding(self.terms.rounding).label if self.terms else ""


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def schedule_of(*, security: Security) -> BondScheduleView | None:
    """The coupon schedule of a bond (None for other instruments)."""
    if security.kind != Security.Kind.BOND:
        return None
    try:
        terms = BondTerms.of(security)
        return BondScheduleView(terms=terms, periods=bond_schedule(terms), redemption=bond_redemption(terms))
    except ScheduleError as error:
        return BondScheduleView(terms=None, periods=[], redemption=None, error=error)


def securities_for(*, issuer: Issuer) -> QuerySet[Security]:
    return issuer.securities.annotate(n_offerings=Count("offerings")).order_by("-id")


def _with_progress(qs: QuerySet[Offering]) -> QuerySet[Offering]:
    active = Q(subscriptions__status__in=Subscription.ACTIVE)
    return qs.select_related("security__issuer").annotate(
        subscribed=Sum("subscriptions__units", filter=active, default=0),
        funded=Sum("subscriptions__units", filter=Q(subscriptions__status__in=Subscription.FUNDED_STATES), default=0),
        n_subscriptions=Count("subscriptions", filter=active),
    )


def offerings_for_issuer(*, issuer: Issuer) -> QuerySet[Offering]:
    return _with_progress(Offering.objects.filter(security__issuer=issuer)).order_by("-id")


def offering_get_for(*, user: User, pk: int) -> Offering:
    """For the issuer's own people (and compliance/operators, read-only)."""
    offering = _with_progress(Offering.objects.filter(pk=pk)).first()
    if offering is not None and sees_organization(user, offering.security.issuer.organization_id):
        return offering
    access_deny(user, object_type="issuance.offering", object_id=pk)


PUBLIC_STATES = (Offering.Status.PUBLISHED, Offering.Status.CLOSED)


def offerings_published() -> QuerySet[Offering]:
    return _with_progress(Offering.objects.filter(status=Offering.Status.PUBLISHED)).order_by("closes_on", "id")


def offerings_public(*, today: date | None = None) -> QuerySet[Offering]:
    """What the public home page advertises: published offerings whose issuer marked them
    public, open today or opening later (never a private placement, never a closed one)."""
    today = today or business_today()
    return (_with_progress(Offering.objects.filter(status=Offering.Status.PUBLISHED, is_public=True,
                                                   closes_on__gte=today))
            .order_by("opens_on", "closes_on", "id"))


def offering_get_published(*, user: User, pk: int) -> Offering:
    offering = _with_progress(Offering.objects.filter(pk=pk, status__in=PUBLIC_STATES)).first()
    if offering is None:
        access_deny(user, object_type="issuance.offering", object_id=pk)
    return offering


@dataclass(frozen=True)
class OfferingForInvestor:
    offering: Offering
    eligible: bool
    reasons: list[str]


def offerings_for_investor(*, user: User, today: date | None = None) -> list[OfferingForInvestor]:
    """Every published offering, each with whether this investor may subscribe and why not."""
    return offerings_with_eligibility(user=user, offerings=offerings_published(), today=today)


def offerings_with_eligibility(*, user: User, offerings, today: date | None = None) -> list[OfferingForInvestor]:
    """The given offerings, each with whether this investor may subscribe and why not."""
    today = today or business_today()
    result = []
    for offering in offerings:
        verdict = eligibility.eligibility_for(user=user, security=offering.security, today=today)
        result.append(OfferingForInvestor(offering, verdict.allowed, eligibility.reason_messages(verdict)))
    return result


def subscriptions_of_offering(*, offering: Offering) -> QuerySet[Subscription]:
    """The offering's subscriptions with their investors' names (the profile's legal name): for
    the offering's page, which only the issuer's people and staff may open (offering_get_for)."""
    return offering.subscriptions.select_related("investor__investor_profile").order_by("-id")


def subscriptions_of_investor(*, user: User) -> QuerySet[Subscription]:
    return Subscription.objects.filter(investor=user).select_related("offering__security").order_by("-id")


def subscription_get_for_investor(*, user: User, pk: int) -> Subscription:
    sub = Subscription.objects.select_related("offering__security__issuer").filter(pk=pk, investor=user).first()
    if sub is None:
        access_deny(user, object_type="issuance.subscription", object_id=pk)
    return sub


def subscription_get_for_issuer(*, user: User, pk: int) -> Subscription:
    """For the issuer's own people, and compliance/operators who read it on the offering's page
    (the issuer's steps then refuse them with 403: accounts.access)."""
    sub = Subscription.objects.select_related("offering__security__issuer", "investor").filter(pk=pk).first()
    if sub is not None and sees_organization(user, sub.offering.security.issuer.organization_id):
        return sub
    access_deny(user, object_type="issuance.subscription", object_id=pk)


def offering_document_get_for(*, user: User, pk: int) -> OfferingDocument:
    """Issuer people and staff always; investors once the offering is public."""
    doc = OfferingDocument.objects.select_related("offering__security__issuer").filter(pk=pk).first()
    if doc is not None and (
        sees_organization(user, doc.offering.security.issuer.organization_id)
        or (user.is_authenticated and doc.offering.status in PUBLIC_STATES)
    ):
        return doc
    access_deny(user, object_type="issuance.offeringdocument", object_id=pk)


def issuer_document_get_for(*, user: User, pk: int) -> IssuerDocument:
    doc = IssuerDocument.objects.select_related("issuer").filter(pk=pk).first()
    if doc is not None and sees_organization(user, doc.issuer.organization_id):
        return doc
    access_deny(user, object_type="issuance.issuerdocument", object_id=pk)


def members_of(*, issuer: Issuer) -> QuerySet[Membership]:
    return (Membership.objects.filter(organization_id=issuer.organization_id).select_related("user")
            .order_by("user__email"))


def invitations_of(*, issuer: Issuer, limit: int | None = 200) -> QuerySet[Invitation]:
    """The organization's invitations, newest first (the members page, for admins; the API pages
    every one: limit=None)."""
    rows = (Invitation.objects.filter(organization_id=issuer.organization_id).select_related("invited_by")
            .order_by("-id"))
    return rows[:limit] if limit is not None else rows


def membership_get_for(*, user: User, issuer: Issuer, pk: int) -> Membership:
    m = Membership.objects.filter(pk=pk, organization_id=issuer.organization_id).first()
    if m is None:
        access_deny(user, object_type="accounts.membership", object_id=pk)
    return m
