"""The issuance API (mounted at /api/issuance/): the same operations as the pages, each view
parsing input, calling one service or selector and serializing. Errors use core's body."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts.access import desk_ensure
from accounts.policy import Action
from compliance.rules import InvestorType
from core.api import ApiView
from core.api_fields import DecimalStringField, StrictBooleanField, StrictCharField, StrictIntegerField
from core.errors import NotFoundError
from core.pagination import cursor_paginate, enum_filter, filter_rows, paginated

from . import selectors, services
from .forms import CURRENCIES, ISSUABLE_KINDS
from .models import Offering, OfferingDocument, Security, Subscription
from .models.offerings import SettlementMode
from .models.securities import Regulation
from .schedule import MAX_RECORD_DAYS
from .storage import MAX_BYTES as DOCUMENT_MAX_BYTES


class Base(ApiView):
    """Issuance API views: the project's default permissions apply (signed in, and 2FA
    passed in the session for staff and issuer admins: accounts.permissions)."""


# --- serializers ---------------------------------------------------------------------------

class IssuerOutput(serializers.Serializer):
    id = serializers.IntegerField()
    legal_name = serializers.CharField()
    registration_number = serializers.CharField()
    jurisdiction = serializers.CharField()
    status = serializers.CharField()
    decision_reason = serializers.CharField()


#: Free-text reasons (stored in text columns): long enough for any real reason.
REASON_MAX = 2000


class IssuanceReasonInput(serializers.Serializer):
    reason = StrictCharField(max_length=REASON_MAX, required=False, allow_blank=True, default="",
                             help_text="required to reject or cancel")


class SecurityTermsInput(serializers.Serializer):
    """The instrument's terms; which are required depends on the kind (the service says).
    Amounts, prices and rates are decimal strings of ASCII digits."""

    share_class = StrictCharField(max_length=Security._meta.get_field("share_class").max_length, required=False,
                                  help_text="equity")
    par_value = DecimalStringField(required=False, help_text="equity, in the currency")
    authorized_shares = DecimalStringField(required=False, help_text="equity, whole shares")
    face_value = DecimalStringField(required=False, help_text="bond, per unit, in the currency")
    coupon_rate = DecimalStringField(required=False, help_text="bond, % a year (0-100, up to 4 decimals)")
    coupon_frequency = serializers.ChoiceField(choices=Security.CouponFrequency.choices, required=False,
                                               help_text="bond")
    day_count = serializers.ChoiceField(choices=Security.DayCount.choices, required=False, help_text="bond")
    issue_date = serializers.DateField(required=False, help_text="bond")
    maturity_date = serializers.DateField(required=False, help_text="bond")
    redemption_price = DecimalStringField(required=False, help_text="bond, % of face (default 100)")
    first_coupon_date = serializers.DateField(required=False, allow_null=True,
                                              help_text="bond; empty: the schedule is counted back from maturity "
                                                        "(a short first stub); a date on the cycle gives a long one")
    last_coupon_date = serializers.DateField(required=False, allow_null=True,
                                             help_text="bond, last regular coupon date before maturity (final stub)")
    calendar = serializers.ChoiceField(choices=Security.Calendar.choices, required=False, allow_blank=True,
                                       help_text="bond; blank: the currency's (JPY japan, USD united_states)")
    payment_convention = serializers.ChoiceField(choices=Security.Convention.choices, required=False,
                                                 allow_blank=True,
                                                 help_text="bond; blank: the currency's (JPY preceding, USD following)")
    end_of_month = StrictBooleanField(required=False, help_text="bond, coupons stay on month ends")
    accrual_adjusted = StrictBooleanField(required=False, help_text="bond, accrual periods adjusted (default no)")
    coupon_rounding = serializers.ChoiceField(choices=Security.Rounding.choices, required=False,
                                              help_text="bond, per-unit coupon rounding (default half_up)")
    record_days = StrictIntegerField(required=False, min_value=1, max_value=MAX_RECORD_DAYS,
                                     help_text="bond, business days from the record date to payment (default 1)")
    nav_per_unit = DecimalStringField(required=False, help_text="fund, in the currency")
    dealing_frequency = serializers.ChoiceField(choices=Security.Dealing.choices, required=False, help_text="fund")


def _countries(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=StrictCharField(max_length=3), required=False, max_length=300,
                                 help_text=f"{help_text}: ISO 3166 codes (JP, JPN or 392)")


class SecurityRulesInput(serializers.Serializer):
    """Rule settings: a regulation's preset can only be tightened."""

    allowed_countries = _countries("empty = all")
    blocked_countries = _countries("never allowed")
    investor_types = serializers.ListField(child=serializers.ChoiceField(choices=InvestorType.ALL), required=False,
                                           max_length=10)
    accredited_only = StrictBooleanField(required=False)
    qualified_only = StrictBooleanField(required=False)
    min_holding = DecimalStringField(required=False, help_text="whole units")
    max_holding = DecimalStringField(required=False, help_text="whole units, 0 = no limit")
    max_holders = StrictIntegerField(required=False, min_value=0, max_value=2**31 - 1, help_text="0 = no limit")
    lockup_until = serializers.DateField(required=False, allow_null=True)


class SecurityInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ISSUABLE_KINDS)
    name = StrictCharField(max_length=Security._meta.get_field("name").max_length)
    symbol = StrictCharField(max_length=Security._meta.get_field("symbol").max_length)
    currency = serializers.ChoiceField(choices=CURRENCIES)
    regulation = serializers.ChoiceField(choices=Regulation.choices, default=Regulation.NONE)
    terms = SecurityTermsInput(required=False, default=dict)
    rules = SecurityRulesInput(required=False, default=dict)


class SecurityOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    symbol = serializers.CharField()
    currency = serializers.CharField()
    decimals = serializers.IntegerField()
    regulation = serializers.CharField()
    allowed_countries = serializers.ListField(child=serializers.CharField())
    blocked_countries = serializers.ListField(child=serializers.CharField())
    investor_types = serializers.ListField(child=serializers.ChoiceField(choices=InvestorType.ALL))
    accredited_only = serializers.BooleanField()
    qualified_only = serializers.BooleanField()
    min_holding = serializers.CharField(help_text="base units")
    max_holding = serializers.CharField(help_text="base units")
    max_holders = serializers.IntegerField()
    lockup_until = serializers.DateField(allow_null=True)


class OfferingTermsInput(serializers.Serializer):
    """An offering's terms, as created (OfferingInput) and edited (OfferingUpdateInput)."""

    title = StrictCharField(max_length=200)
    currency = serializers.ChoiceField(choices=CURRENCIES)
    price = DecimalStringField(help_text="per whole unit, decimal string in the currency's minor units")
    min_subscription = DecimalStringField(help_text="whole units")
    max_subscription = DecimalStringField(help_text="whole units")
    target = DecimalStringField(help_text="whole units")
    hard_cap = DecimalStringField(help_text="whole units")
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    payment_instructions = StrictCharField(max_length=5000, required=False, allow_blank=True, default="")
    settlement_mode = serializers.ChoiceField(choices=SettlementMode.choices, required=False,
                                              help_text="dvp (the cash token, atomically) or manual; default manual")
    is_public = serializers.BooleanField(required=False, help_text="advertised on the public home page; "
                                         "default false (never for private placements)")


class OfferingInput(OfferingTermsInput):
    security = StrictIntegerField(min_value=1)


class OfferingUpdateInput(OfferingTermsInput):
    """PATCH body: any subset of the terms; what is left out keeps its value. A key that is
    not a term (status, security, ...) is refused rather than silently ignored."""

    def validate(self, attrs: dict) -> dict:
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({key: [_("This field cannot be edited.")] for key in unknown})
        return attrs


class OfferingDocumentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    file_name = serializers.CharField()
    sha256 = serializers.CharField()


class OfferingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    security = serializers.IntegerField(source="security_id")
    title = serializers.CharField()
    status = serializers.CharField()
    currency = serializers.CharField()
    price = serializers.CharField(source="unit_price.amount",
                                  help_text="per whole unit, decimal string in the currency's minor units "
                                            "(JPY 0, USD 2)")
    min_subscription = serializers.CharField(help_text="base units")
    max_subscription = serializers.CharField(help_text="base units")
    target = serializers.CharField(help_text="base units")
    hard_cap = serializers.CharField(help_text="base units")
    subscribed = serializers.SerializerMethodField(help_text="base units in active subscriptions")
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    settlement_mode = serializers.CharField()
    is_public = serializers.BooleanField()
    documents = OfferingDocumentOutput(many=True, source="documents.all")

    def get_subscribed(self, o: Offering) -> str:
        return str(int(getattr(o, "subscribed", 0) or 0))


class MarketOfferingOutput(serializers.Serializer):
    offering = OfferingOutput()
    eligible = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())


class SubscriptionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    offering = serializers.IntegerField(source="offering_id")
    investor = serializers.CharField(source="investor.email")
    units = serializers.CharField(help_text="base units")
    amount = serializers.CharField(source="amount_due.amount", help_text="in the currency's minor units")
    currency = serializers.CharField()
    status = serializers.CharField()
    payment_reference = serializers.CharField()
    funding_reference = serializers.CharField()
    agreement_accepted_at = serializers.DateTimeField(allow_null=True)
    agreement_sha256 = serializers.CharField()
    payment_instructions = serializers.CharField(source="offering.payment_instructions")


class SubscribeInput(serializers.Serializer):
    units = DecimalStringField(help_text="whole units, e.g. '10' or '2.5' for fund units")


class SubscriptionAgreementInput(serializers.Serializer):
    agreement_sha256 = StrictCharField(max_length=64)


class SubscriptionActionInput(serializers.Serializer):
    reference = StrictCharField(max_length=Subscription._meta.get_field("funding_reference").max_length, required=False,
                                allow_blank=True, default="",
                                help_text="funded: the bank reference of the payment received")
    reason = StrictCharField(max_length=REASON_MAX, required=False, allow_blank=True, default="",
                             help_text="reject: why")


class SubscriptionBulkInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["accept", "reject"])
    subscriptions = serializers.ListField(child=StrictIntegerField(min_value=1), max_length=500)
    reason = StrictCharField(max_length=REASON_MAX, required=False, allow_blank=True, default="")


class SubscriptionBulkOutput(serializers.Serializer):
    count = serializers.IntegerField()


class OfferingDocumentInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OfferingDocument.Kind.choices)
    file = serializers.FileField()


def _valid(serializer_class, request):
    s = serializer_class(data=request.data)
    s.is_valid(raise_exception=True)
    return s.validated_data


# --- issuers -------------------------------------------------------------------------------

class IssuerDecisionApi(Base):
    @extend_schema(request=IssuanceReasonInput, responses=IssuerOutput, operation_id="issuance_issuer_decide")
    def post(self, request, pk: int, decision: str):
        desk_ensure(request.user, Action.ISSUER_DECIDE, object_type="issuance.issuer", object_id=pk)
        issuer = selectors.issuer_get_for(user=request.user, pk=pk)
        reason = _valid(IssuanceReasonInput, request)["reason"]  # the body is checked before anything happens
        if decision == "approve":
            issuer = services.issuer_approve(issuer=issuer, actor=request.user)
        elif decision == "reject":
            issuer = services.issuer_reject(issuer=issuer, reason=reason, actor=request.user)
        else:
            raise NotFoundError(_("Not found."))
        return Response(IssuerOutput(issuer).data)


# --- securities and offerings --------------------------------------------------------------

SUBSCRIPTION_STATUS = enum_filter("status", Subscription.Status, "Only subscriptions in this status.")


class SecurityListApi(Base):
    @paginated(SecurityOutput, filters=[enum_filter("kind", Security.Kind, "Only securities of this kind.")],
               description="Your issuer's securities, newest first.")
    def get(self, request):
        issuer = selectors.issuer_require(user=request.user)
        rows = filter_rows(request, selectors.securities_for(issuer=issuer), kind="kind")
        return cursor_paginate(request, rows, SecurityOutput, ordering=("-id",))

    @extend_schema(request=SecurityInput, responses=SecurityOutput)
    def post(self, request):
        security = services.security_create(issuer=selectors.issuer_require(user=request.user), actor=request.user,
                                            **_valid(SecurityInput, request))
        return Response(SecurityOutput(security).data, status=201)


class OfferingListApi(Base):
    @paginated(OfferingOutput, filters=[enum_filter("status", Offering.Status, "Only offerings in this status.")],
               description="Your issuer's offerings, newest first.")
    def get(self, request):
        issuer = selectors.issuer_require(user=request.user)
        rows = filter_rows(request, selectors.offerings_for_issuer(issuer=issuer), status="status")
        return cursor_paginate(request, rows, OfferingOutput, ordering=("-id",))

    @extend_schema(request=OfferingInput, responses=OfferingOutput)
    def post(self, request):
        data = _valid(OfferingInput, request)
        security = selectors.security_get_for(user=request.user, pk=data.pop("security"))
        offering = services.offering_create(security=security, data=data, actor=request.user)
        return Response(OfferingOutput(offering).data, status=201)


class OfferingDetailApi(Base):
    @extend_schema(responses=OfferingOutput)
    def get(self, request, pk: int):
        return Response(OfferingOutput(selectors.offering_get_for(user=request.user, pk=pk)).data)

    @extend_schema(request=OfferingUpdateInput, responses=OfferingOutput, operation_id="issuance_offering_update",
                   description="Edit a draft offering (issuer admins only); send only the terms to change. "
                               "404 not_found for an offering you may not see, 403 admin_required for a plain member, "
                               "409 offering_not_draft once published, closed or cancelled, "
                               "400 with error.fields for bad terms.")
    def patch(self, request, pk: int):
        offering = selectors.offering_get_for(user=request.user, pk=pk)
        services.offering_ensure_editable(offering=offering, actor=request.user)  # 403/409 before parsing the body
        data = OfferingUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.offering_update(offering=offering, data=data.validated_data, actor=request.user)
        return Response(OfferingOutput(selectors.offering_get_for(user=request.user, pk=pk)).data)


class OfferingDocumentApi(Base):
    parser_classes = [MultiPartParser]
    upload_max_bytes = DOCUMENT_MAX_BYTES  # core.upload_limits: refused (413) before the body is read

    @extend_schema(request={"multipart/form-data": OfferingDocumentInput}, responses=OfferingDocumentOutput)
    def post(self, request, pk: int):
        offering = selectors.offering_get_for(user=request.user, pk=pk)
        data = _valid(OfferingDocumentInput, request)
        doc = services.offering_document_add(offering=offering, kind=data["kind"], upload=data["file"],
                                             actor=request.user)
        return Response(OfferingDocumentOutput(doc).data, status=201)


class OfferingActionApi(Base):
    @extend_schema(request=IssuanceReasonInput, responses=OfferingOutput, operation_id="issuance_offering_action",
                   description="action: publish, close or cancel (cancel needs a reason)")
    def post(self, request, pk: int, action: str):
        offering = selectors.offering_get_for(user=request.user, pk=pk)
        reason = _valid(IssuanceReasonInput, request)["reason"]  # the body is checked before anything happens
        if action == "publish":
            offering = services.offering_publish(offering=offering, actor=request.user)
        elif action == "close":
            offering = services.offering_close(offering=offering, actor=request.user)
        elif action == "cancel":
            offering = services.offering_cancel(offering=offering, reason=reason, actor=request.user)
        else:
            raise NotFoundError(_("Not found."))
        return Response(OfferingOutput(selectors.offering_get_for(user=request.user, pk=offering.pk)).data)


class OfferingSubscriptionsApi(Base):
    @paginated(SubscriptionOutput, filters=[SUBSCRIPTION_STATUS],
               description="The offering's subscriptions, newest first.")
    def get(self, request, pk: int):
        offering = selectors.offering_get_for(user=request.user, pk=pk)
        rows = filter_rows(request, selectors.subscriptions_of_offering(offering=offering), status="status")
        return cursor_paginate(request, rows, SubscriptionOutput, ordering=("-id",))


class SubscriptionsBulkApi(Base):
    @extend_schema(request=SubscriptionBulkInput, responses=SubscriptionBulkOutput)
    def post(self, request, pk: int):
        offering = selectors.offering_get_for(user=request.user, pk=pk)
        data = _valid(SubscriptionBulkInput, request)
        if data["decision"] == "accept":
            count = services.subscriptions_accept_bulk(offering=offering, subscription_ids=data["subscriptions"],
                                                       actor=request.user)
        else:
            count = services.subscriptions_reject_bulk(offering=offering, subscription_ids=data["subscriptions"],
                                                       reason=data["reason"], actor=request.user)
        return Response(SubscriptionBulkOutput({"count": count}).data)


class SubscriptionActionApi(Base):
    @extend_schema(request=SubscriptionActionInput, responses=SubscriptionOutput,
                   operation_id="issuance_subscription_action",
                   description="action: funded (needs reference), accept, reject (needs reason)")
    def post(self, request, pk: int, action: str):
        sub = selectors.subscription_get_for_issuer(user=request.user, pk=pk)
        data = _valid(SubscriptionActionInput, request)  # the body is checked before anything happens
        if action == "funded":
            sub = services.subscription_mark_funded(subscription=sub, reference=data["reference"], actor=request.user)
        elif action == "accept":
            sub = services.subscription_accept(subscription=sub, actor=request.user)
        elif action == "reject":
            sub = services.subscription_reject(subscription=sub, reason=data["reason"], actor=request.user)
        else:
            raise NotFoundError(_("Not found."))
        return Response(SubscriptionOutput(sub).data)


# --- investors -----------------------------------------------------------------------------

class MarketApi(Base):
    @paginated(MarketOfferingOutput, description="The published offerings, closing soonest first, each with "
                                                 "whether you may subscribe and why not.")
    def get(self, request):
        def render(page):
            rows = selectors.offerings_with_eligibility(user=request.user, offerings=page)
            return [{"offering": r.offering, "eligible": r.eligible, "reasons": r.reasons} for r in rows]
        return cursor_paginate(request, selectors.offerings_published(), MarketOfferingOutput,
                               ordering=("closes_on", "id"), render=render)


class SubscribeApi(Base):
    @extend_schema(request=SubscribeInput, responses={201: SubscriptionOutput})
    def post(self, request, pk: int):
        offering = selectors.offering_get_published(user=request.user, pk=pk)
        sub = services.subscription_create(offering=offering, units=_valid(SubscribeInput, request)["units"],
                                           actor=request.user)
        return Response(SubscriptionOutput(sub).data, status=201)


class MySubscriptionsApi(Base):
    @paginated(SubscriptionOutput, filters=[SUBSCRIPTION_STATUS], description="Your subscriptions, newest first.")
    def get(self, request):
        rows = filter_rows(request, selectors.subscriptions_of_investor(user=request.user), status="status")
        return cursor_paginate(request, rows, SubscriptionOutput, ordering=("-id",))


class AgreementAcceptApi(Base):
    @extend_schema(request=SubscriptionAgreementInput, responses=SubscriptionOutput)
    def post(self, request, pk: int):
        sub = selectors.subscription_get_for_investor(user=request.user, pk=pk)
        sha256 = _valid(SubscriptionAgreementInput, request)["agreement_sha256"]
        sub = services.subscription_agreement_accept(subscription=sub, agreement_sha256=sha256, actor=request.user)
        return Response(SubscriptionOutput(sub).data)


