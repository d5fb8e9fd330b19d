"""DRF glue: every API error has the same machine-readable body,
{"error": {"code": "...", "message": "...", "fields": {...}}}."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from . import idempotency as idem
from .audit import audit_refused_access
from .errors import ApplicationError


def _first_message(detail) -> str:
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_message(value)
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        audit_refused_access(exc)
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


class ApiView(APIView):
    """Base of the API views: a write (POST, PUT, PATCH, DELETE) has its body parsed once the
    caller is authenticated and allowed, even when the view reads no body, so a malformed body
    or one that is not a JSON object is refused (400) instead of ignored while the action runs.

    A write with the Idempotency-Key header is claimed next, before the handler runs, and its
    answer kept or replayed (core/idempotency.py). `idempotency`: "replay" (the default),
    "service" (the view's service records the client's key itself) or "none" (not covered)."""

    idempotency = idem.REPLAY

    def dispatch(self, request, *args, **kwargs):
        idem.view_read_body(self, request)
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            idem.view_abandon(self)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in idem.WRITE_METHODS:
            request.data  # noqa: B018  (parsing is what refuses)
        idem.view_begin(self, request)

    def handle_exception(self, exc):
        if isinstance(exc, idem.Answered):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        idem.view_end(self, response)
        return response


def api_not_found(request, exception=None):
    """handler404: a URL under /api/ that matches nothing (e.g. a non-numeric id in a path
    that takes a number) answers with the error body; pages keep Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "not_found", "message": _("Not found.")}}, status=404)
    return page_not_found(request, exception)
