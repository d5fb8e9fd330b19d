from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import run_checks


@never_cache
@require_GET
def healthz(request):  # noqa: ANN001
    """JSON status of each component; HTTP 503 when any is down."""
    checks = run_checks()
    healthy = all(c["status"] != "down" for c in checks.values())
    return JsonResponse({"status": "ok" if healthy else "down", "checks": checks}, status=200 if healthy else 503)
