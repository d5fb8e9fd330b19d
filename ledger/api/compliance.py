"""The compliance desk's requests: forced transfers and wallet recoveries, asked by one
officer and approved or rejected by a second."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from core.api_schema import error_responses
from core.pagination import cursor_paginate, paginated

from .. import selectors, services
from ..models import ComplianceRequest
from .base import TAG, WRITE_ERRORS, Base, valid
from .serializers import (
    COMPLIANCE_REQUEST_INPUT,
    ActionOutput,
    ApproveInput,
    ComplianceRequestQuery,
    RejectInput,
    RequestOutput,
    compliance_request_input,
)


class ComplianceRequestsApi(Base):
    @paginated(RequestOutput, filters=[OpenApiParameter(
                   "status", str, enum=ComplianceRequest.Status.values, default=ComplianceRequest.Status.PENDING,
                   description="Requests in this status (default pending; empty: any status).")],
               tags=[TAG], operation_id="ledger_requests_list", responses=error_responses(400, 403, 404),
               description="The compliance desk's forced-transfer and recovery requests, newest first.")
    def get(self, request):
        wanted = valid(ComplianceRequestQuery, {"status": request.query_params.get("status", "pending")})["status"]
        return cursor_paginate(request, selectors.compliance_requests(actor=request.user, status=wanted),
                               RequestOutput, ordering=("-id",))

    @extend_schema(tags=[TAG], operation_id="ledger_requests_create", request=COMPLIANCE_REQUEST_INPUT,
                   description="Ask for a forced transfer or a wallet recovery (compliance officer); a second "
                               "officer decides.",
                   responses={201: RequestOutput, **WRITE_ERRORS})
    def post(self, request):
        data = valid(compliance_request_input(request.data), request.data)
        security = selectors.ledger_security_get_for(user=request.user, pk=data["security"])
        if data["kind"] == ComplianceRequest.Kind.RECOVER:
            req = services.wallet_recovery_request(security=security, lost_wallet=data["from_wallet"],
                                                   new_wallet=data["to_wallet"], reason=data["reason"],
                                                   actor=request.user)
        else:
            req = services.forced_transfer_request(security=security, from_wallet=data["from_wallet"],
                                                   to_wallet=data["to_wallet"], amount=data["amount"],
                                                   reason=data["reason"], actor=request.user)
        return Response(RequestOutput(req).data, status=status.HTTP_201_CREATED)


class ComplianceApproveApi(Base):
    @extend_schema(tags=[TAG], operation_id="ledger_request_approve", request=ApproveInput,
                   description="A second compliance officer approves: the request is carried out now.",
                   responses={201: ActionOutput, **WRITE_ERRORS})
    def post(self, request, pk: int):
        req = selectors.compliance_request_get_for(actor=request.user, pk=pk)
        data = valid(ApproveInput, request.data)
        action = services.compliance_request_approve(request=req, actor=request.user, reason=data["reason"])
        return Response(ActionOutput(action).data, status=status.HTTP_201_CREATED)


class ComplianceRejectApi(Base):
    @extend_schema(tags=[TAG], operation_id="ledger_request_reject", request=RejectInput,
                   description="A second compliance officer rejects the request (reason required).",
                   responses={200: RequestOutput, **WRITE_ERRORS})
    def post(self, request, pk: int):
        req = selectors.compliance_request_get_for(actor=request.user, pk=pk)
        data = valid(RejectInput, request.data)
        req = services.compliance_request_reject(request=req, actor=request.user, reason=data["reason"])
        return Response(RequestOutput(req).data)
