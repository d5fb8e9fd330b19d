"""Request size limits, enforced before the body is read.

Django refuses a large urlencoded body only when it is read (DATA_UPLOAD_MAX_MEMORY_SIZE) and
never limits the files of a multipart body; DRF's JSON parser reads the whole stream. So a
300 MB upload used to be received, spooled to disk and only then refused by the service. Here:

1. UploadLimitMiddleware refuses by Content-Length (413, the API's error body or the error
   page) once the URL is resolved and before anything reads the body: a multipart body may be
   its view's file limit plus MULTIPART_OVERHEAD, any other body DATA_UPLOAD_MAX_MEMORY_SIZE.
2. For multipart bodies it puts a LimitedUploadHandler first, which stops reading as soon as
   the files received pass the limit (a body whose Content-Length understates its files, or
   files just above the limit inside the overhead allowance).

A view's file limit is its `upload_max_bytes` (an int, or the name of a setting so tests can
change it): a class attribute of an API view, or set on a page view with @upload_limit(...).
Views that declare none get settings.UPLOAD_MAX_BYTES. Production puts the same bound in the
reverse proxy (README: nginx client_max_body_size), since gunicorn has none.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .errors import ApplicationError

#: Room for the multipart framing and the small form fields around the file(s).
MULTIPART_OVERHEAD = 64 * 1024
_WRITE_METHODS = ("POST", "PUT", "PATCH")


class PayloadTooLargeError(ApplicationError):
    status = 413
    default_code = "request_too_large"


def too_large(limit: int) -> PayloadTooLargeError:
    mb = max(limit / (1024 * 1024), 0.01)
    return PayloadTooLargeError(_("The request is larger than the %(mb)s MB allowed here.") % {"mb": f"{mb:g}"})


def upload_limit(max_bytes: int | str):
    """Decorator for a page view: its uploads may be at most `max_bytes` (or the setting of
    that name)."""
    def decorate(view):
        view.upload_max_bytes = max_bytes
        return view

    return decorate


def limit_for(view_func) -> int:
    """The file limit of a resolved view, in bytes."""
    cls = getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)
    limit = getattr(view_func, "upload_max_bytes", None) or getattr(cls, "upload_max_bytes", None)
    if limit is None:
        limit = settings.UPLOAD_MAX_BYTES
    return int(getattr(settings, limit) if isinstance(limit, str) else limit)


class LimitedUploadHandler(FileUploadHandler):
    """Counts the bytes of every file in the body and raises 413 once they pass `limit`;
    otherwise passes each chunk on to the next handler untouched."""

    def __init__(self, request=None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            raise too_large(self.limit)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _content_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _refuse(request, error: PayloadTooLargeError):
    if request.path.startswith("/api/"):
        return JsonResponse(error.as_dict(), status=error.status)
    return render(request, "error.html", {"error": error}, status=error.status)


class UploadLimitMiddleware:
    """Sits before CsrfViewMiddleware (which reads the POST body of pages)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        length = _content_length(request)
        if not length:
            return None
        multipart = request.content_type == "multipart/form-data"
        if multipart:
            limit = limit_for(view_func)
            allowed = limit + MULTIPART_OVERHEAD
        else:
            limit = allowed = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if allowed is not None and length > allowed:
            return _refuse(request, too_large(limit))
        if multipart and request.method in _WRITE_METHODS:
            request.upload_handlers.insert(0, LimitedUploadHandler(request, limit=limit))
            if request.method == "POST" and not getattr(view_func, "csrf_exempt", False):
                # A page: CSRF reads the body next, where a 413 could only become a 500.
                try:
                    request.FILES  # noqa: B018
                except PayloadTooLargeError as error:
                    return _refuse(request, error)
        return None
