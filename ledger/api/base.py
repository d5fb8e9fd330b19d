"""What every register API view shares: the base class (JSON object bodies), input checking,
the client's Idempotency-Key header and the documented error responses."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from core.api import ApiView
from core.api_schema import error_responses
from core.pagination import enum_filter
from core.parsers import JSONObjectParser

from ..models import TokenAction
from ..services.client_keys import CLIENT_KEY_MAX_LENGTH, CLIENT_KEY_PATTERN, client_key_from_header
from .serializers import ActionOutput

TAG = "ledger"
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False, pattern=CLIENT_KEY_PATTERN,
    description=f"Your own key for this request (1 to {CLIENT_KEY_MAX_LENGTH} visible ASCII characters). "
                "Repeating the same request under it returns the action recorded the first time; another "
                "request under it is a 409 idempotency_conflict. Keys live in your organization's namespace "
                "(issuer staff) or your own, so they never meet other clients' keys.",
)


class Base(ApiView):
    """Ledger API views: JSON object bodies only (a write's body is parsed, and refused when
    malformed, even where the view reads none); the project's default permissions apply (signed
    in, and 2FA passed for staff and issuer admins: accounts.permissions)."""

    parser_classes = [JSONObjectParser]


def valid(serializer_class: type[serializers.Serializer], data: object) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def client_key(request) -> str | None:
    """The client's Idempotency-Key header, checked (an empty one is a 400); the services
    record it in the client's namespace."""
    return client_key_from_header(request.headers.get("Idempotency-Key"))

READ_ERRORS = error_responses(400, 403, 404)
ACTION_KIND = enum_filter("kind", TokenAction.Kind, "Only actions of this kind.")
WRITE_ERRORS = error_responses(400, 403, 404, 409)


def control_schema(operation_id: str, request: type[serializers.Serializer], description: str, *,
                   keyed: bool = False):
    return extend_schema(tags=[TAG], operation_id=operation_id, request=request, description=description,
                         parameters=[IDEMPOTENCY_KEY] if keyed else None,
                         responses={201: ActionOutput, **WRITE_ERRORS})
