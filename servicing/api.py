"""API of the paying agent (mounted at /api/servicing/): a security's corporate actions (list,
declare), one action (its facts, its lines page by page), the four-eyes approval and the
cancel, pay now, the off-chain bank reference and payment file. Visibility as on the pages
(servicing.selectors_pages: 404 for what the caller may not see); who may act is the
services' policy check (403 with the refusal's code). Staff and issuer admins need 2FA
(the default permission accounts.permissions.TwoFactorSatisfied)."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from core.api import ApiView
from core.api_fields import DecimalStringField, StrictCharField, StrictInput, StrictIntegerField
from core.api_schema import error_responses
from core.pagination import cursor_paginate, enum_filter, filter_rows, paginated
from core.schema import ReasonField
from ledger.api.fields import DateField

from . import selectors_pages as reads
from . import services
from .models import CorporateAction, EntitlementLine

TAG = "servicing"
#: What an issuer declares (coupons and the redemption come from a bond's schedule).
DECLARABLE_KINDS = [("dividend", "dividend"), ("distribution", "distribution"), ("call", "call")]




class CorporateActionOutput(serializers.ModelSerializer):
    security = serializers.IntegerField(source="security_id")
    per_unit_amount = serializers.CharField(help_text="cash per whole unit, in the currency")
    principal_per_unit = serializers.CharField()
    total_amount = serializers.CharField(allow_null=True)
    call_units = serializers.CharField(allow_null=True, help_text="base units called; null: all")
    rate = serializers.CharField(allow_null=True, help_text="coupon, % a year")
    gross_total = serializers.CharField(allow_null=True)
    withheld_total = serializers.CharField(allow_null=True)
    net_total = serializers.CharField(allow_null=True)
    created_by = serializers.EmailField(source="created_by.email", allow_null=True, default=None)
    approved_by = serializers.EmailField(source="approved_by.email", allow_null=True, default=None)
    lines_paid = serializers.SerializerMethodField()

    class Meta:
        model = CorporateAction
        fields = ["id", "security", "kind", "sequence", "status", "method", "currency", "declaration_date",
                  "record_date", "ex_date", "payment_date", "accrual_start", "accrual_end", "rate",
                  "per_unit_amount", "principal_per_unit", "total_amount", "call_units", "record_block",
                  "gross_total", "withheld_total", "net_total", "line_count", "lines_paid", "created_by",
                  "approved_by", "approved_at", "blocked_reason", "funds_short_on", "paid_at"]

    def get_lines_paid(self, action) -> int:
        return action.lines.filter(status=EntitlementLine.Status.PAID).count()


class EntitlementLineOutput(serializers.ModelSerializer):
    investor = serializers.IntegerField(source="investor_id")
    units = serializers.CharField(help_text="base units held at the record date")
    redeem_units = serializers.CharField(help_text="base units redeemed")
    gross = serializers.CharField()
    withheld = serializers.CharField()
    net = serializers.CharField()
    principal = serializers.CharField()
    tax_rate = serializers.CharField(help_text="withholding, %")

    class Meta:
        model = EntitlementLine
        fields = ["id", "investor", "wallet", "units", "redeem_units", "gross", "withheld", "net", "principal",
                  "tax_rate", "tax_category", "residence", "status", "paid_reference", "paid_at"]


LINES_EXTRA = {"count": serializers.IntegerField(help_text="lines matching the filter, over every page")}


class CorporateActionDeclareInput(StrictInput):
    kind = serializers.ChoiceField(choices=DECLARABLE_KINDS,
                                   help_text="dividend (equity), distribution (fund), call (bond)")
    record_date = DateField()
    payment_date = DateField()
    ex_date = DateField(required=False)
    per_unit_amount = DecimalStringField(required=False, help_text="cash per whole unit, in the currency")
    total_amount = DecimalStringField(required=False, help_text="a dividend declared as a total")
    call_price = DecimalStringField(required=False, help_text="a call's price, % of face")
    call_units = StrictIntegerField(required=False, min_value=1, help_text="units called; absent: all")
    method = serializers.ChoiceField(choices=CorporateAction.Method.choices, required=False)


class CorporateActionCancelInput(StrictInput):
    reason = ReasonField(max_length=500)


class LinesMarkPaidInput(StrictInput):
    reference = StrictCharField(max_length=100, help_text="the bank transfer's reference")
    lines = serializers.ListField(child=StrictIntegerField(min_value=1), required=False, min_length=1,
                                 max_length=10_000,
                                 help_text="line ids; absent: every line still due")


def _valid(serializer_class, data) -> dict:
    body = serializer_class(data=data)
    body.is_valid(raise_exception=True)
    return body.validated_data


class SecurityActionsApi(ApiView):
    @paginated(CorporateActionOutput, filters=[
                   enum_filter("status", CorporateAction.Status, "Only actions in this status."),
                   enum_filter("kind", CorporateAction.Kind, "Only actions of this kind.")],
               tags=[TAG], operation_id="servicing_actions_list",
               description="The security's corporate actions, by payment date.")
    def get(self, request, pk: int):
        security = reads.security_get_for(user=request.user, pk=pk)
        rows = filter_rows(request, reads.actions_of(security=security), status="status", kind="kind")
        return cursor_paginate(request, rows, CorporateActionOutput, ordering=("payment_date", "id"))

    @extend_schema(tags=[TAG], operation_id="servicing_actions_declare", request=CorporateActionDeclareInput,
                   responses={201: CorporateActionOutput})
    def post(self, request, pk: int):
        security = reads.security_get_for(user=request.user, pk=pk)
        data = dict(_valid(CorporateActionDeclareInput, request.data))
        action = services.action_declare(security=security, actor=request.user, **data)
        action.refresh_from_db()
        return Response(CorporateActionOutput(action).data, status=201)


class ActionDetailApi(ApiView):
    @extend_schema(tags=[TAG], operation_id="servicing_action_retrieve", responses=CorporateActionOutput)
    def get(self, request, pk: int):
        return Response(CorporateActionOutput(reads.action_get_for(user=request.user, pk=pk)).data)


class ActionLinesApi(ApiView):
    @paginated(EntitlementLineOutput, filters=[enum_filter("status", EntitlementLine.Status,
                                                           "Only lines in this status.")],
               extra=LINES_EXTRA, tags=[TAG], operation_id="servicing_action_lines",
               description="The action's entitlement lines, by line id, with their count over every page.")
    def get(self, request, pk: int):
        action = reads.action_get_for(user=request.user, pk=pk)
        lines = filter_rows(request, reads.lines_of(action=action), status="status")
        return cursor_paginate(request, lines, EntitlementLineOutput, ordering=("id",),
                               extra={"count": lines.count()})


def _action_answer(request, pk: int) -> Response:
    return Response(CorporateActionOutput(reads.action_get_for(user=request.user, pk=pk)).data)


class ActionApproveApi(ApiView):
    @extend_schema(tags=[TAG], operation_id="servicing_action_approve", request=None, responses=CorporateActionOutput,
                   description="Approve (compliance officer or cash agent; never the action's creator).")
    def post(self, request, pk: int):
        action = reads.action_get_for(user=request.user, pk=pk)
        services.action_approve(action=action, actor=request.user)
        return _action_answer(request, pk)


class ActionCancelApi(ApiView):
    @extend_schema(tags=[TAG], operation_id="servicing_action_cancel", request=CorporateActionCancelInput,
                   responses=CorporateActionOutput)
    def post(self, request, pk: int):
        data = _valid(CorporateActionCancelInput, request.data)
        action = reads.action_get_for(user=request.user, pk=pk)
        services.action_cancel(action=action, reason=data["reason"], actor=request.user)
        return _action_answer(request, pk)


class ActionPayApi(ApiView):
    @extend_schema(tags=[TAG], operation_id="servicing_action_pay", request=None, responses=CorporateActionOutput,
                   description="Pay what is due now (the scheduled sweep does it anyway). Nothing is paid "
                               "before the payment date, before the record and the approval, or while the "
                               "paying account is short (the action's funds_short_on says so).")
    def post(self, request, pk: int):
        action = reads.action_get_for(user=request.user, pk=pk)
        services.payment_run(action=action, actor=request.user)
        return _action_answer(request, pk)


class ActionMarkPaidApi(ApiView):
    @extend_schema(tags=[TAG], operation_id="servicing_action_mark_paid", request=LinesMarkPaidInput,
                   responses=CorporateActionOutput, description="Off-chain actions: lines paid by bank transfer.")
    def post(self, request, pk: int):
        data = _valid(LinesMarkPaidInput, request.data)
        action = reads.action_get_for(user=request.user, pk=pk)
        services.lines_mark_paid(action=action, reference=data["reference"], line_ids=data.get("lines"),
                                    actor=request.user)
        return _action_answer(request, pk)


class ActionPaymentFileApi(ApiView):
    @extend_schema(tags=[TAG], operation_id="servicing_action_payment_file",
                   responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR,
                                                                 description="the lines still due, as CSV"),
                              **error_responses(409)},
                   description="Off-chain actions: the bank payment file (409 not_offchain for a chain action).")
    def get(self, request, pk: int):
        action = reads.action_get_for(user=request.user, pk=pk)
        text = services.payment_file(action=action, actor=request.user)
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="payment-file-{action.pk}.csv"'
        return response
