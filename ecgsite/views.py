"""Site-wide error views: API paths answer problem details (RFC 9457), pages the site's
templates (templates/400.html ... 500.html, extending base.html). Reached for router misses
and server errors, which no API view handles."""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template import loader
from django.views import defaults

from classifier.api.errors import PROBLEM_JSON, problem
from classifier.core.errors import DomainError

API_PREFIX = "/api/"


def _api_problem(request: HttpRequest, http_status: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse(
        problem(http_status, detail, code=code, request=request),
        status=http_status,
        content_type=PROBLEM_JSON,
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return _api_problem(request, 400, str(exception) or "bad request", "bad_request")
    # A domain refusal's message is written for the user; Django's own stay unexplained.
    cause = exception.__cause__
    message = str(cause) if isinstance(cause, DomainError) else ""
    page = loader.get_template("400.html").render({"message": message}, request)
    return HttpResponseBadRequest(page)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return _api_problem(request, 403, str(exception) or "forbidden", "permission_denied")
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return _api_problem(request, 404, f"no API endpoint at {request.path}", "not_found")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """Logged by Django with the traceback; the client gets the request id to quote."""
    if request.path.startswith(API_PREFIX):
        return _api_problem(
            request, 500, "an unexpected error; quote the request id when reporting it",
            "server_error",
        )  # fmt: skip
    return defaults.server_error(request)
