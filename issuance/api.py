"""The issuance API (mounted at /api/issuance/): the same operations as the pages, each view
parsing input, calling one service or selector and serializing. Errors use core's body."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.rules import InvestorType
from core.errors import NotFoundError

from . import selectors, services
from .access import ensure_compliance
from .forms import CURRENCIES
from .models import Issuer, Offering, OfferingDocument, Security
from .models.securities import Regulation


class Base(APIView):
    """Issuance API views: the project's default permissions apply (signed in, and 2FA
    passed in the session for staff and issuer admins: accounts.permissions)."""


def _my_issuer(user) -> Issuer:  # noqa: ANN001
    issuer = selectors.issuer_for(user=user)
    if issuer is None:
        raise NotFoundError(_("Your organization has not applied as an issuer yet."), code="no_issuer")
    return issuer


# --- serializers ---------------------------------------------------------------------------

class IssuerOutput(serializers.Serializer):
    id = serializers.IntegerField()
    legal_name = serializers.CharField()
    registration_number = serializers.CharField()
    jurisdiction = serializers.CharField()
    status = serializers.CharField()
    decision_reason = serializers.CharField()


class IssuanceReasonInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class MemberInviteInput(serializers.Serializer):
    email = serializers.CharField()
    role = serializers.CharField()


class MembershipOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.CharField(source="user.email")
    role = serializers.CharField()


class SecurityInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Security.Kind.choices)
    name = serializers.CharField()
    symbol = serializers.CharField()
    currency = serializers.ChoiceField(choices=CURRENCIES)
    regulation = serializers.ChoiceField(choices=Regulation.choices, default=Regulation.NONE)
    terms = serializers.DictField(required=False, default=dict, help_text="Equity: share_class, par_value, authorized_shares. "
                                  "Bond: face_value, coupon_rate, coupon_frequency, day_count, issue_date, maturity_date, redemption_price. "
                                  "Fund: nav_per_unit, dealing_frequency. Amounts as decimal strings.")
    rules = serializers.DictField(required=False, default=dict, help_text="allowed_countries, blocked_countries, investor_types, "
                                  "accredited_only, qualified_only, min_holding, max_holding (whole units), max_holders, lockup_until.")

    def validate_terms(self, terms: dict) -> dict:
        for key in ("issue_date", "maturity_date"):
            if terms.get(key):
                terms[key] = serializers.DateField().to_internal_value(terms[key])
        return terms

    def validate_rules(self, rules: dict) -> dict:
        if rules.get("lockup_until"):
            rules["lockup_until"] = serializers.DateField().to_internal_value(rules["lockup_until"])
        return rules


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

    title = serializers.CharField(max_length=200)
    currency = serializers.ChoiceField(choices=CURRENCIES)
    price = serializers.CharField(help_text="per whole unit, decimal string in the currency's minor units")
    min_subscription = serializers.CharField(help_text="whole units")
    max_subscription = serializers.CharField(help_text="whole units")
    target = serializers.CharField(help_text="whole units")
    hard_cap = serializers.CharField(help_text="whole units")
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    payment_instructions = serializers.CharField(required=False, allow_blank=True, default="")


class OfferingInput(OfferingTermsInput):
    security = serializers.IntegerField()


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
                                  help_text="per whole unit, decimal string in the currency's minor units (JPY 0, USD 2)")
    min_subscription = serializers.CharField(help_text="base units")
    max_subscription = serializers.CharField(help_text="base units")
    target = serializers.CharField(help_text="base units")
    hard_cap = serializers.CharField(help_text="base units")
    subscribed = serializers.SerializerMethodField(help_text="base units in active subscriptions")
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
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
    units = serializers.CharField(help_text="whole units, e.g. '10' or '2.5' for fund units")


class SubscriptionAgreementInput(serializers.Serializer):
    agreement_sha256 = serializers.CharField()


class SubscriptionFundedInput(serializers.Serializer):
    reference = serializers.CharField(allow_blank=True)


class SubscriptionBulkInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["accept", "reject"])
    subscriptions = serializers.ListField(child=serializers.IntegerField())
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class SubscriptionBulkOutput(serializers.Serializer):
    count = serializers.IntegerField()


class OfferingDocumentInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OfferingDocument.Kind.choices)
    file = serializers.FileField()


def _valid(serializer_class, request):  # noqa: ANN001, ANN202
    s = serializer_class(data=request.data)
    s.is_valid(raise_exception=True)
    return s.validated_data


# --- issuers -------------------------------------------------------------------------------

class IssuerDecisionApi(Base):
    @extend_schema(request=IssuanceReasonInput, responses=IssuerOutput, operation_id="issuance_issuer_decide")
    def post(self, request, pk: int, decision: str):  # noqa: ANN001, ANN201
        ensure_compliance(request.user)
        issuer = selectors.issuer_get_for(user=request.user, pk=pk)
        if decision == "approve":
            issuer = services.issuer_approve(issuer=issuer, actor=request.user)
        elif decision == "reject":
            issuer = services.issuer_reject(issuer=issuer, reason=_valid(IssuanceReasonInput, request)["reason"], actor=request.user)
        else:
            raise NotFoundError(_("Not found."))
        return Response(IssuerOutput(issuer).data)


class MemberInviteApi(Base):
    @extend_schema(request=MemberInviteInput, responses=MembershipOutput)
    def post(self, request):  # noqa: ANN001, ANN201
        data = _valid(MemberInviteInput, request)
        m = services.member_invite(issuer=_my_issuer(request.user), actor=request.user, base_url=request.build_absolute_uri("/"), **data)
        return Response(MembershipOutput(m).data, status=201)


# --- securities and offerings --------------------------------------------------------------

class SecurityListApi(Base):
    @extend_schema(responses=SecurityOutput(many=True))
    def get(self, request):  # noqa: ANN001, ANN201
        return Response(SecurityOutput(selectors.securities_for(issuer=_my_issuer(request.user)), many=True).data)

    @extend_schema(request=SecurityInput, responses=SecurityOutput)
    def post(self, request):  # noqa: ANN001, ANN201
        security = services.security_create(issuer=_my_issuer(request.user), actor=request.user, **_valid(SecurityInput, request))
        return Response(SecurityOutput(security).data, status=201)


class OfferingListApi(Base):
    @extend_schema(responses=OfferingOutput(many=True))
    def get(self, request):  # noqa: ANN001, ANN201
        return Response(OfferingOutput(selectors.offerings_for_issuer(issuer=_my_issuer(request.user)), many=True).data)

    @extend_schema(request=OfferingInput, responses=OfferingOutput)
    def post(self, request):  # noqa: ANN001, ANN201
        data = _valid(OfferingInput, request)
        security = selectors.security_get_for(user=request.user, pk=data.pop("security"))
        offering = services.offering_create(security=security, data=data, actor=request.user)
        return Response(OfferingOutput(offering).data, status=201)


class OfferingDetailApi(Base):
    @extend_schema(responses=OfferingOutput)
    def get(self, request, pk: int):  # noqa: ANN001, ANN201
        return Response(OfferingOutput(selectors.offering_get_for(user=request.user, pk=pk)).data)

    @extend_schema(request=OfferingUpdateInput, responses=OfferingOutput, operation_id="issuance_offering_update",
                   description="Edit a draft offering (issuer admins only); send only the terms to change. "
                               "404 not_found for an offering you may not see, 403 admin_required for a plain member, "
                               "409 offering_not_draft once published, closed or cancelled, 400 with error.fields for bad terms.")
    def patch(self, request, pk: int):  # noqa: ANN001, ANN201
        offering = selectors.offering_get_for(user=request.user, pk=pk)
        services.offering_ensure_editable(offering=offering, actor=request.user)  # 403/409 before parsing the body
        data = OfferingUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.offering_update(offering=offering, data=data.validated_data, actor=request.user)
        return Response(OfferingOutput(selectors.offering_get_for(user=request.user, pk=pk)).data)


class OfferingDocumentApi(Base):
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": OfferingDocumentInput}, responses=OfferingDocumentOutput)
    def post(self, request, pk: int):  # noqa: ANN001, ANN201
        offering = selectors.offering_get_for(user=request.user, pk=pk)
        data = _valid(OfferingDocumentInput, request)
        doc = services.offering_document_add(offering=offering, kind=data["kind"], upload=data["file"], actor=request.user)
        return Response(OfferingDocumentOutput(doc).data, status=201)


class OfferingActionApi(Base):
    @extend_schema(request=IssuanceReasonInput, responses=OfferingOutput, operation_id="issuance_offering_action",
                   description="action: publish, close or cancel (cancel needs a reason)")
    def post(self, request, pk: int, action: str):  # noqa: ANN001, ANN201
        offering = selectors.offering_get_for(user=request.user, pk=pk)
        if action == "publish":
            offering = services.offering_publish(offering=offering, actor=request.user)
        elif action == "close":
            offering = services.offering_close(offering=offering, actor=request.user)
        elif action == "cancel":
            offering = services.offering_cancel(offering=offering, reason=request.data.get("reason", ""), actor=request.user)
        else:
            raise NotFoundError(_("Not found."))
        return Response(OfferingOutput(selectors.offering_get_for(user=request.user, pk=offering.pk)).data)


class OfferingSubscriptionsApi(Base):
    @extend_schema(responses=SubscriptionOutput(many=True))
    def get(self, request, pk: int):  # noqa: ANN001, ANN201
        offering = selectors.offering_get_for(user=request.user, pk=pk)
        return Response(SubscriptionOutput(selectors.subscriptions_of_offering(offering=offering), many=True).data)


class SubscriptionsBulkApi(Base):
    @extend_schema(request=SubscriptionBulkInput, responses=SubscriptionBulkOutput)
    def post(self, request, pk: int):  # noqa: ANN001, ANN201
        offering = selectors.offering_get_for(user=request.user, pk=pk)
        data = _valid(SubscriptionBulkInput, request)
        if data["decision"] == "accept":
            count = services.subscriptions_accept_bulk(offering=offering, subscription_ids=data["subscriptions"], actor=request.user)
        else:
            count = services.subscriptions_reject_bulk(offering=offering, subscription_ids=data["subscriptions"], reason=data["reason"], actor=request.user)
        return Response(SubscriptionBulkOutput({"count": count}).data)


class SubscriptionActionApi(Base):
    @extend_schema(request=SubscriptionFundedInput, responses=SubscriptionOutput, operation_id="issuance_subscription_action",
                   description="action: funded (needs reference), accept, reject (needs reason)")
    def post(self, request, pk: int, action: str):  # noqa: ANN001, ANN201
        sub = selectors.subscription_get_for_issuer(user=request.user, pk=pk)
        if action == "funded":
            sub = services.subscription_mark_funded(subscription=sub, reference=request.data.get("reference", ""), actor=request.user)
        elif action == "accept":
            sub = services.subscription_accept(subscription=sub, actor=request.user)
        elif action == "reject":
            sub = services.subscription_reject(subscription=sub, reason=request.data.get("reason", ""), actor=request.user)
        else:
            raise NotFoundError(_("Not found."))
        return Response(SubscriptionOutput(sub).data)


# --- investors -----------------------------------------------------------------------------

class MarketApi(Base):
    @extend_schema(responses=MarketOfferingOutput(many=True))
    def get(self, request):  # noqa: ANN001, ANN201
        rows = selectors.offerings_for_investor(user=request.user)
        return Response(MarketOfferingOutput([{"offering": r.offering, "eligible": r.eligible, "reasons": r.reasons} for r in rows], many=True).data)


class SubscribeApi(Base):
    @extend_schema(request=SubscribeInput, responses=SubscriptionOutput)
    def post(self, request, pk: int):  # noqa: ANN001, ANN201
        offering = selectors.offering_get_published(user=request.user, pk=pk)
        sub = services.subscription_create(offering=offering, units=_valid(SubscribeInput, request)["units"], actor=request.user)
        return Response(SubscriptionOutput(sub).data, status=201)


class MySubscriptionsApi(Base):
    @extend_schema(responses=SubscriptionOutput(many=True))
    def get(self, request):  # noqa: ANN001, ANN201
        return Response(SubscriptionOutput(selectors.subscriptions_of_investor(user=request.user), many=True).data)


class AgreementAcceptApi(Base):
    @extend_schema(request=SubscriptionAgreementInput, responses=SubscriptionOutput)
    def post(self, request, pk: int):  # noqa: ANN001, ANN201
        sub = selectors.subscription_get_for_investor(user=request.user, pk=pk)
        sub = services.subscription_agreement_accept(subscription=sub, agreement_sha256=_valid(SubscriptionAgreementInput, request)["agreement_sha256"], actor=request.user)
        return Response(SubscriptionOutput(sub).data)


