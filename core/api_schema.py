"""Schema helpers shared by the apps' APIs. The error body: every 4xx of every app is
{"error": {"code": "...", "message": "...", "fields": {...}}} (core.api.exception_handler),
documented with error_responses:

    @extend_schema(request=IssueInput, responses={201: ActionOutput, **error_responses(400, 403, 404, 409)})
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

_DESCRIPTIONS = {
    400: "Invalid input or a business rule refused the request (`code` says which).",
    401: "Not signed in.",
    403: "Not signed in, or not allowed to do this (e.g. `admin_required`, `two_factor_required`).",
    404: "Not found, or not visible to you (no hint which).",
    409: "Conflicts with the current state (e.g. `unchanged`, `idempotency_conflict`), or a request under the same "
         "Idempotency-Key is still running (`idempotency_key_in_progress`, with Retry-After).",
    422: "The Idempotency-Key was already used for a different request (`idempotency_key_reused`).",
    413: "The request body is too large.",
    415: "Unsupported content type: send application/json.",
    429: "Too many requests.",
}


class ErrorBodyDetail(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable error code.")
    message = serializers.CharField(help_text="Human-readable message, in the request's language.")
    fields = serializers.DictField(required=False, help_text="Per-field messages (input errors) or details.")


class ErrorBody(serializers.Serializer):
    error = ErrorBodyDetail()


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """The documented error answers of an operation, each with the shared error body."""
    return {code: OpenApiResponse(ErrorBody, description=_DESCRIPTIONS.get(code, "Error.")) for code in statuses}


class StrictInputExtension(OpenApiSerializerExtension):
    """core.api_fields.StrictInput refuses keys it does not declare; its schema says so
    (additionalProperties: false), so a schema-driven client never sends one."""

    target_class = "core.api_fields.StrictInput"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["additionalProperties"] = False
        return schema
