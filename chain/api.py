"""API of the chain mirror for operators (mounted at /api/chain/)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from core.api import ApiView
from core.pagination import cursor_paginate, paginated
from core.schema import ReasonField

from . import selectors, services
from .models import Break, Reconciliation


class FailureOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    idempotency_key = serializers.CharField()
    code = serializers.CharField()
    error = serializers.CharField()
    dead_letter = serializers.BooleanField()
    attempts = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


class RefusedOutput(serializers.Serializer):
    tx_hash = serializers.CharField()
    nonce = serializers.IntegerField()
    entry_id = serializers.IntegerField()
    function = serializers.CharField()
    error = serializers.CharField()
    attempts = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


class LaneOutput(serializers.Serializer):
    lane = serializers.IntegerField()
    signer = serializers.CharField()
    pending = serializers.IntegerField()
    submitted = serializers.IntegerField()
    in_flight_transactions = serializers.IntegerField()
    oldest_pending_seconds = serializers.FloatField(allow_null=True)
    targets = serializers.IntegerField()
    balance_wei = serializers.CharField(allow_null=True)  # uint256 as a decimal string


class MirrorStatusOutput(serializers.Serializer):
    depth = serializers.DictField(child=serializers.IntegerField())
    oldest_pending_seconds = serializers.FloatField(allow_null=True)
    in_flight_transactions = serializers.IntegerField()
    last_confirmation = serializers.DateTimeField(allow_null=True)
    failures = FailureOutput(many=True)
    refused = RefusedOutput(many=True)
    signer = serializers.CharField()
    signer_balance_wei = serializers.CharField(allow_null=True)  # uint256 as a decimal string
    block_number = serializers.IntegerField(allow_null=True)
    chain_error = serializers.CharField()
    lanes = LaneOutput(many=True)


class OutboxEntryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    attempts = serializers.IntegerField()


class MirrorStatusApi(ApiView):
    @extend_schema(responses=MirrorStatusOutput, summary="Chain mirror status (operators)")
    def get(self, request):
        selectors.operator_required(user=request.user)
        status = selectors.mirror_status()
        data = MirrorStatusOutput(status).data
        data["signer_balance_wei"] = None if status.signer_balance_wei is None else str(status.signer_balance_wei)
        for row, lane in zip(data["lanes"], status.lanes, strict=True):
            row["balance_wei"] = None if lane.balance_wei is None else str(lane.balance_wei)
        return Response(data)


class OutboxRetryApi(ApiView):
    @extend_schema(request=None, responses=OutboxEntryOutput, summary="Retry a failed chain action (operators)")
    def post(self, request, pk: int):
        entry = selectors.failed_entry_get_for(user=request.user, pk=pk)
        entry = services.outbox_retry(entry=entry, actor=request.user)
        return Response(OutboxEntryOutput(entry).data)


class BreakOutput(serializers.Serializer):
    id = serializers.IntegerField()
    security_id = serializers.IntegerField(allow_null=True)
    wallet = serializers.CharField()
    kind = serializers.CharField()
    register_value = serializers.CharField()
    chain_value = serializers.CharField()
    detail = serializers.CharField()
    status = serializers.CharField()
    detected_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolved_by = serializers.EmailField(source="resolved_by.email", allow_null=True, default=None)
    resolution = serializers.CharField()


class BreakResolveInput(serializers.Serializer):
    reason = ReasonField(max_length=2000)


class ReconciliationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    securities_checked = serializers.IntegerField()
    breaks_found = serializers.IntegerField()
    breaks_new = serializers.IntegerField()
    skipped_in_flight = serializers.IntegerField()
    error = serializers.CharField()
    mode = serializers.ChoiceField(choices=Reconciliation.Mode.choices)   # full | incremental (chain/reconciler.py)
    block = serializers.IntegerField(allow_null=True)                     # every read of the run was pinned to it
    wallets_checked = serializers.IntegerField()


class BreakQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=[*Break.Status.values, "all"], required=False, default=Break.Status.OPEN)


class BreakListApi(ApiView):
    @paginated(BreakOutput, filters=[OpenApiParameter(
                   "status", str, enum=[*Break.Status.values, "all"], default=Break.Status.OPEN,
                   description="Breaks in this status (default open; all: every one).")],
               summary="Breaks between chain and register (?status=open|resolved|all), newest first")
    def get(self, request):
        query = BreakQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        status = query.validated_data["status"]
        rows = selectors.breaks_of(user=request.user, status=None if status == "all" else status)
        return cursor_paginate(request, rows, BreakOutput, ordering=("-detected_at", "-id"))


class BreakResolveApi(ApiView):
    @extend_schema(request=BreakResolveInput, responses=BreakOutput, summary="Resolve a break with a reason")
    def post(self, request, pk: int):
        brk = selectors.break_get_for(user=request.user, pk=pk)
        data = BreakResolveInput(data=request.data)
        data.is_valid(raise_exception=True)
        brk = services.break_resolve(brk=brk, reason=data.validated_data["reason"], actor=request.user)
        return Response(BreakOutput(brk).data)


class ReconcileApi(ApiView):
    @extend_schema(responses=ReconciliationOutput, summary="The last reconciliation")
    def get(self, request):
        selectors.break_desk_required(user=request.user, what="chain.reconciliation")
        run = selectors.last_reconciliation()
        return Response(ReconciliationOutput(run).data if run else None)

    @extend_schema(request=None, responses=ReconciliationOutput, summary="Reconcile chain and register now")
    def post(self, request):
        selectors.break_desk_required(user=request.user, what="chain.reconciliation")
        run = services.reconcile_now(actor=request.user)
        return Response(ReconciliationOutput(run).data, status=201)
