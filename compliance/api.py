"""API of compliance: submitting for review (investors) and the review desk (officers).
Officers must have passed 2FA (the default permission accounts.permissions.TwoFactorSatisfied):
a session verified with TOTP, or a token (issued only
against a TOTP code, see accounts.api.TokenApi)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from core.api import ApiView
from core.api_fields import StrictCharField
from core.pagination import cursor_paginate, paginated
from core.schema import ReasonField

from . import selectors, services
from .models import KycReview


class ReviewOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    trigger = serializers.CharField()
    risk = serializers.CharField()
    risk_reasons = serializers.ListField(child=serializers.CharField())
    country = serializers.CharField()
    investor_email = serializers.EmailField(source="profile.user.email")
    legal_name = serializers.CharField(source="profile.legal_name")
    sanctions_matches = serializers.ListField(child=serializers.DictField())
    sanctions_cleared = serializers.SerializerMethodField()
    first_approved_by = serializers.EmailField(source="first_approved_by.email", allow_null=True, default=None)
    decided_by = serializers.EmailField(source="decided_by.email", allow_null=True, default=None)
    decision_reason = serializers.CharField()
    expires_on = serializers.DateField(allow_null=True)
    submitted_at = serializers.DateTimeField()

    def get_sanctions_cleared(self, review: KycReview) -> bool:
        return review.sanctions_cleared_by_id is not None


class SubmissionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class KycSubmitApi(ApiView):
    @extend_schema(request=None, responses={201: SubmissionOutput})
    def post(self, request):
        review = services.kyc_submit(user=request.user, actor=request.user)
        return Response(SubmissionOutput(review).data, status=201)


class QueueFilter(serializers.Serializer):
    status = serializers.CharField(required=False, allow_blank=True)
    country = serializers.CharField(required=False, allow_blank=True, max_length=2)
    risk = serializers.ChoiceField(choices=["", *KycReview.Risk.values], required=False)
    min_age_days = serializers.IntegerField(required=False, min_value=0, max_value=3650)


QUEUE_FILTERS = [
    OpenApiParameter("status", str, enum=[*KycReview.Status.values, "all"],
                     description="Reviews in this status; all: every one (default: the open ones, pending or "
                                 "awaiting a second approval)."),
    OpenApiParameter("country", str, description="Two-letter country code of the investor (ISO 3166-1 alpha-2)."),
    OpenApiParameter("risk", str, enum=KycReview.Risk.values, description="Reviews of this risk rating."),
    OpenApiParameter("min_age_days", {"type": "integer", "minimum": 0, "maximum": 3650},
                     description="Only reviews submitted at least this many days ago."),
]


class ReviewListApi(ApiView):

    @paginated(ReviewOutput, filters=QUEUE_FILTERS,
               description="The KYC review queue, oldest submission first (compliance officers).")
    def get(self, request):
        filters = QueueFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        reviews = selectors.reviews_filtered(actor=request.user, **filters.validated_data)
        return cursor_paginate(request, reviews, ReviewOutput, ordering=("submitted_at", "id"))


class ReviewDetailApi(ApiView):

    @extend_schema(responses=ReviewOutput)
    def get(self, request, pk: int):
        return Response(ReviewOutput(services.review_open(review_id=pk, actor=request.user)).data)


class DecisionInput(serializers.Serializer):
    reason = ReasonField(max_length=500)
    expires_on = StrictCharField(max_length=32, required=False, allow_blank=True, help_text="YYYY-MM-DD (approve only)")


class _DecisionApi(ApiView):

    def decide(self, request, pk: int, data: dict) -> KycReview:
        raise NotImplementedError

    @extend_schema(request=DecisionInput, responses=ReviewOutput)
    def post(self, request, pk: int):
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        review = self.decide(request, pk, data.validated_data)
        review.refresh_from_db()
        return Response(ReviewOutput(review).data)


class ReviewApproveApi(_DecisionApi):
    def decide(self, request, pk, data):
        return services.review_approve(review_id=pk, reason=data["reason"], expires_on=data.get("expires_on") or None,
                                       actor=request.user)


class ReviewRejectApi(_DecisionApi):
    def decide(self, request, pk, data):
        return services.review_reject(review_id=pk, reason=data["reason"], actor=request.user)


class ReviewRequestInfoApi(_DecisionApi):
    def decide(self, request, pk, data):
        return services.review_request_info(review_id=pk, reason=data["reason"], actor=request.user)


class ReviewClearSanctionsApi(_DecisionApi):
    def decide(self, request, pk, data):
        return services.review_clear_sanctions(review_id=pk, reason=data["reason"], actor=request.user)
