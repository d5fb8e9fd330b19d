"""Request id for the audit trail, and ApplicationError rendered as a clear page."""

from __future__ import annotations

import uuid

from django.shortcuts import render

from . import context
from .audit import audit_refused_access
from .errors import ApplicationError


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
        request.request_id = rid
        tokens = (context.request_id.set(rid), context.client_ip.set(request.META.get("REMOTE_ADDR")))
        try:
            response = self.get_response(request)
        finally:
            context.request_id.reset(tokens[0])
            context.client_ip.reset(tokens[1])
        response["X-Request-Id"] = rid
        return response


class ApplicationErrorMiddleware:
    """A service's refusal reaching a page becomes a page that says why, with its status."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, ApplicationError) and not request.path.startswith("/api/"):
            audit_refused_access(exception)
            return render(request, "error.html", {"error": exception}, status=exception.status)
        return None
