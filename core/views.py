"""The health endpoint, and the one way a page runs a POST button's service and reports how
it went (a flash message on the page the browser is sent back to)."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .audit import audit_refused_access
from .errors import ApplicationError
from .forms import form_error_message
from .health import run_checks


@never_cache
@require_GET
def healthz(request):
    """JSON status of each component; HTTP 503 when any is down."""
    checks = run_checks()
    healthy = all(c["status"] != "down" for c in checks.values())
    return JsonResponse({"status": "ok" if healthy else "down", "checks": checks}, status=200 if healthy else 503)


def run_with_message(request: HttpRequest, run: Callable[[], object], ok: str, *, form: forms.Form | None = None,
                     reraise: tuple[type[ApplicationError], ...] = ()) -> bool:
    """Run a page's service call and say how it went: `ok` as a success message, or the
    service's refusal (an ApplicationError) as an error message. `form` (bound to the POST)
    checks the button's own inputs first; when they are wrong, their errors are the message
    and `run` is not called. Refusals of a type in `reraise` propagate (e.g. NotFoundError,
    for a 404 page). True when the service ran without a refusal."""
    if form is not None and not form.is_valid():
        messages.error(request, form_error_message(form))
        return False
    try:
        run()
    except reraise:
        raise
    except ApplicationError as error:
        audit_refused_access(error)
        messages.error(request, error.message)
        return False
    messages.success(request, ok)
    return True
