"""/metrics (operators only), /healthz (process alive) and /readyz (dependencies ready)."""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector

from accounts.permissions import allowed, audit_denial
from accounts.roles import Perm
from audit import services as audit
from monitoring.metrics import DatabaseCollector
from monitoring.readiness import readiness_checks

logger = logging.getLogger(__name__)


def bearer_token_valid(request: HttpRequest) -> bool | None:
    """True/False for a presented bearer token; None when the request presents none."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    expected = settings.METRICS_BEARER_TOKEN
    if not expected:  # token access is off unless configured
        return False
    return hmac.compare_digest(token.strip().encode(), expected.encode())


def operator_access(request: HttpRequest) -> bool:
    """The operator bearer token, or a session of a user holding VIEW_METRICS."""
    return bool(bearer_token_valid(request)) or allowed(request.user, Perm.VIEW_METRICS)


def _unauthorized() -> HttpResponse:
    response = HttpResponse("authentication required\n", status=401, content_type="text/plain")
    response["WWW-Authenticate"] = 'Bearer realm="wavecardio-metrics"'
    return response


class _ScrapeRegistry:
    """This process's metrics, or every process's in multiprocess mode, plus the database's."""

    def collect(self) -> Iterator[Metric]:
        multiproc_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if multiproc_dir:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=multiproc_dir)
            yield from registry.collect()
        else:
            yield from REGISTRY.collect()
        yield from DatabaseCollector().collect()


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    token = bearer_token_valid(request)
    if token is False:
        logger.warning("metrics_bad_token ip=%s", audit.client_ip(request))
        return _unauthorized()
    if not token:
        if not request.user.is_authenticated:
            return _unauthorized()
        if not allowed(request.user, Perm.VIEW_METRICS):
            audit_denial(request, Perm.VIEW_METRICS)
            return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(generate_latest(_ScrapeRegistry()), content_type=CONTENT_TYPE_LATEST)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches nothing else (a slow database must not get
    healthy processes killed)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when every check passes, 503 otherwise. Error texts only for operators."""
    checks = readiness_checks()
    ready = all(check.ok for check in checks)
    show_errors = operator_access(request)
    body = {
        "status": "ok" if ready else "fail",
        "checks": {c.name: c.as_dict(with_error=show_errors) for c in checks},
    }
    return JsonResponse(body, status=200 if ready else 503)
