"""DRF glue: every API error has the same machine-readable body,
{"error": {"code": "...", "message": "...", "fields": {...}}}."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ApplicationError


def _first_message(detail) -> str:  # noqa: ANN001
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_message(value)
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def exception_handler(exc, context):  # noqa: ANN001
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = {"code": "invalid", "message": _first_message(exc.detail), "fields": fields}
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        body = {"code": codes if isinstance(codes, str) else "error", "message": _first_message(response.data)}
    response.data = {"error": body}
    if response.status_code == status.HTTP_500_INTERNAL_SERVER_ERROR:
        response.data["error"]["message"] = "Internal error"
    return response
