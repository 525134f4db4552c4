"""/healthz, /readyz and /metrics: for load balancers and Prometheus, not for people."""

from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mahalleh.ops import checks
from mahalleh.ops.metrics import client_allowed, exposition


@never_cache
@require_GET
def healthz(request):
    """The process is up and answers (no database call: a load balancer must not kill a web
    process because PostgreSQL is restarting)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    ready, report = checks.readiness()
    return JsonResponse(report, status=200 if ready else 503, json_dumps_params={"ensure_ascii": False})


@never_cache
@require_GET
def metrics(request):
    if not client_allowed(request):
        # 404, not 403: the endpoint's existence is nobody else's business.
        return HttpResponse(status=404)
    body, content_type = exposition()
    return HttpResponse(body, content_type=content_type)
