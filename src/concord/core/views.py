from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from concord.core.selectors import health_check


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Machine-readable health for load balancers and CI: 200 when healthy, else 503."""
    health = health_check()
    body = {
        "status": "ok" if health.healthy else "degraded",
        "database": {"ok": health.database_ok, "vendor": health.database_vendor},
        "worker": {
            "alive": health.workers_alive,
            "last_heartbeat": health.worker_last_seen.isoformat()
            if health.worker_last_seen
            else None,
        },
    }
    response = JsonResponse(body, status=200 if health.healthy else 503)
    # A monitor polls this every few seconds; a 503 here is an answer, not a server error,
    # so keep it out of Django's error log.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def home(request: HttpRequest) -> HttpResponse:
    person = getattr(request.user, "person", None)
    my_region = person.region if person is not None else None
    return render(request, "core/home.html", {"my_region": my_region})
