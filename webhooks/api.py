"""API of the webhooks app (mounted at /api/webhooks/): the same steps as the pages. An
organization's admins work on its endpoints, operators on the platform's (webhooks.selectors).
The signing secret is in the answer of a creation and of a rotation, and in no other answer."""

from __future__ import annotations

import json

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from core.api import ApiView
from core.api_fields import StrictCharField, StrictInput
from core.events import EventType
from core.pagination import cursor_paginate, paginated

from . import selectors, services
from .models import WebhookDelivery, WebhookEndpoint
from .signing import event_body

TAG = "webhooks"


class EndpointOutput(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    description = serializers.CharField()
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=EventType.choices))
    status = serializers.ChoiceField(choices=WebhookEndpoint.Status.choices)
    organization = serializers.IntegerField(source="organization_id", allow_null=True,
                                            help_text="null: a platform endpoint (every organization's events)")
    created_at = serializers.DateTimeField()
    secret_rotated_at = serializers.DateTimeField(allow_null=True)
    previous_secret_expires_at = serializers.DateTimeField(
        allow_null=True, help_text="until then the previous secret signs too (a second v1 in Shoken-Signature)")


class EndpointSecretOutput(EndpointOutput):
    secret = serializers.SerializerMethodField(
        help_text="the signing secret: shown in this answer only, store it now")

    def get_secret(self, endpoint) -> str:
        return self.context["secret"]


class EndpointInput(StrictInput):
    url = StrictCharField(max_length=2000, help_text="https URL of your receiver (public addresses only)")
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=EventType.choices), allow_empty=False,
                                        min_length=1, max_length=len(EventType.values))
    description = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


class EventOutput(serializers.Serializer):
    id = serializers.UUIDField(source="uid", help_text="the id receivers deduplicate on (Shoken-Event-Id)")
    type = serializers.ChoiceField(choices=EventType.choices)
    created = serializers.DateTimeField(source="created_at")
    organization = serializers.IntegerField(source="organization_id", allow_null=True)


class DeliveryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    endpoint = serializers.IntegerField(source="endpoint_id")
    event = EventOutput()
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices)
    attempts = serializers.IntegerField(help_text="automatic attempts so far (replays by hand not counted)")
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)


class AttemptOutput(serializers.Serializer):
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    duration_ms = serializers.IntegerField()
    status_code = serializers.IntegerField(allow_null=True)
    succeeded = serializers.BooleanField()
    error = serializers.CharField()
    response_excerpt = serializers.CharField()
    manual = serializers.BooleanField(help_text="a replay by hand")
    actor = serializers.IntegerField(source="actor_id", allow_null=True)


class DeliveryDetailOutput(DeliveryOutput):
    body = serializers.SerializerMethodField(help_text="the JSON body each attempt sends")
    attempt_log = serializers.SerializerMethodField()

    def get_body(self, delivery) -> dict:
        return json.loads(event_body(delivery.event))

    def get_attempt_log(self, delivery) -> list[dict]:
        return AttemptOutput(selectors.attempts_of(delivery), many=True).data


def _valid(serializer_class, request) -> dict:
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data


class EndpointListApi(ApiView):
    # Not covered by core's Idempotency-Key replay: the answer carries the secret, never stored elsewhere.
    idempotency = "none"

    @paginated(EndpointOutput, tags=[TAG], description="Your endpoints (an operator's: the platform's), newest first.")
    def get(self, request):
        return cursor_paginate(request, selectors.endpoints_for(actor=request.user), EndpointOutput,
                               ordering=("-created_at", "-id"))

    @extend_schema(tags=[TAG], request=EndpointInput, responses={201: EndpointSecretOutput})
    def post(self, request):
        data = _valid(EndpointInput, request)
        organization = selectors.scope_for(request.user)
        endpoint, secret = services.endpoint_create(actor=request.user, organization=organization, **data)
        return Response(EndpointSecretOutput(endpoint, context={"secret": secret}).data, status=201)


class EndpointDetailApi(ApiView):
    @extend_schema(tags=[TAG], responses=EndpointOutput)
    def get(self, request, pk: int):
        return Response(EndpointOutput(selectors.endpoint_get_for(actor=request.user, pk=pk)).data)

    @extend_schema(tags=[TAG], request=None, responses={204: None})
    def delete(self, request, pk: int):
        services.endpoint_delete(endpoint=selectors.endpoint_get_for(actor=request.user, pk=pk), actor=request.user)
        return Response(status=204)


class EndpointRotateApi(ApiView):
    # Not covered by core's Idempotency-Key replay: the answer carries the secret, never stored elsewhere.
    idempotency = "none"

    @extend_schema(tags=[TAG], request=None, responses=EndpointSecretOutput,
                   description="A new signing secret (in this answer only); the previous one keeps signing beside "
                               "it until previous_secret_expires_at.")
    def post(self, request, pk: int):
        endpoint = selectors.endpoint_get_for(actor=request.user, pk=pk)
        endpoint, secret = services.endpoint_rotate(endpoint=endpoint, actor=request.user)
        return Response(EndpointSecretOutput(endpoint, context={"secret": secret}).data)


class EndpointDisableApi(ApiView):
    @extend_schema(tags=[TAG], request=None, responses=EndpointOutput)
    def post(self, request, pk: int):
        endpoint = selectors.endpoint_get_for(actor=request.user, pk=pk)
        return Response(EndpointOutput(services.endpoint_disable(endpoint=endpoint, actor=request.user)).data)


class EndpointEnableApi(ApiView):
    @extend_schema(tags=[TAG], request=None, responses=EndpointOutput)
    def post(self, request, pk: int):
        endpoint = selectors.endpoint_get_for(actor=request.user, pk=pk)
        return Response(EndpointOutput(services.endpoint_enable(endpoint=endpoint, actor=request.user)).data)


class DeliveryListApi(ApiView):
    @paginated(DeliveryOutput, tags=[TAG], description="The endpoint's deliveries, newest first.", filters=[
        OpenApiParameter("status", str, enum=WebhookDelivery.Status.values,
                         description="only deliveries in this state"),
        OpenApiParameter("type", str, enum=EventType.values, description="only events of this type")])
    def get(self, request, pk: int):
        endpoint = selectors.endpoint_get_for(actor=request.user, pk=pk)
        rows = selectors.deliveries_for(actor=request.user, endpoint=endpoint,
                                        status=request.query_params.get("status"),
                                        event_type=request.query_params.get("type"))
        return cursor_paginate(request, rows, DeliveryOutput, ordering=("-created_at", "-id"))


class DeliveryDetailApi(ApiView):
    @extend_schema(tags=[TAG], responses=DeliveryDetailOutput)
    def get(self, request, pk: int):
        return Response(DeliveryDetailOutput(selectors.delivery_get_for(actor=request.user, pk=pk)).data)


class DeliveryReplayApi(ApiView):
    @extend_schema(tags=[TAG], request=None, responses=AttemptOutput,
                   description="Send the delivery again now (same event id and body, new timestamp and signature); "
                               "answers the attempt. 409 `endpoint_disabled` or `delivery_in_progress`.")
    def post(self, request, pk: int):
        delivery = selectors.delivery_get_for(actor=request.user, pk=pk)
        return Response(AttemptOutput(services.delivery_replay(delivery=delivery, actor=request.user)).data)
