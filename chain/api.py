"""API of the chain mirror for operators (mounted at /api/chain/)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services


class FailureOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    idempotency_key = serializers.CharField()
    code = serializers.CharField()
    error = serializers.CharField()
    dead_letter = serializers.BooleanField()
    attempts = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


class MirrorStatusOutput(serializers.Serializer):
    depth = serializers.DictField(child=serializers.IntegerField())
    oldest_pending_seconds = serializers.FloatField(allow_null=True)
    in_flight_transactions = serializers.IntegerField()
    last_confirmation = serializers.DateTimeField(allow_null=True)
    failures = FailureOutput(many=True)
    signer = serializers.CharField()
    signer_balance_wei = serializers.CharField(allow_null=True)  # uint256 as a decimal string
    block_number = serializers.IntegerField(allow_null=True)
    chain_error = serializers.CharField()


class OutboxEntryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    attempts = serializers.IntegerField()


class MirrorStatusApi(APIView):
    @extend_schema(responses=MirrorStatusOutput, summary="Chain mirror status (operators)")
    def get(self, request):  # noqa: ANN001, ANN201
        selectors.operator_required(user=request.user)
        status = selectors.mirror_status()
        data = MirrorStatusOutput(status).data
        data["signer_balance_wei"] = None if status.signer_balance_wei is None else str(status.signer_balance_wei)
        return Response(data)


class OutboxRetryApi(APIView):
    @extend_schema(request=None, responses=OutboxEntryOutput, summary="Retry a failed chain action (operators)")
    def post(self, request, pk: int):  # noqa: ANN001, ANN201
        entry = selectors.failed_entry_get_for(user=request.user, pk=pk)
        entry = services.outbox_retry(entry=entry, actor=request.user)
        return Response(OutboxEntryOutput(entry).data)
