"""The API's one error shape: RFC 9457 problem details (``application/problem+json``).

Every refusal and failure answers ``{"type", "title", "status", "detail", "instance",
"code", "request_id"}`` plus ``errors`` (one per field or parameter) for invalid input:
domain errors (``classifier.core.errors``), DRF's own (401, 403, 404, 405, 415, 429, ...),
oversize bodies (413), and, through ``ecgsite.views``, router misses and server errors.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import RequestDataTooBig
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from classifier.core.errors import (
    Conflict,
    DomainError,
    Gone,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from classifier.core.signal import InvalidRecording, RecordingTooLarge, SamplingRateRequired

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
_TYPE_PREFIX = "urn:wavecardio:problem:"

# Most specific first: the first class an error is an instance of decides.
_DOMAIN_PROBLEMS: tuple[tuple[type[DomainError], str, int], ...] = (
    (RecordingTooLarge, "upload_too_large", status.HTTP_413_REQUEST_ENTITY_TOO_LARGE),
    (SamplingRateRequired, "sampling_rate_required", status.HTTP_400_BAD_REQUEST),
    (InvalidRecording, "invalid_recording", status.HTTP_400_BAD_REQUEST),
    (InvalidInput, "invalid", status.HTTP_400_BAD_REQUEST),
    (NotFound, "not_found", status.HTTP_404_NOT_FOUND),
    (PermissionDenied, "permission_denied", status.HTTP_403_FORBIDDEN),
    (Conflict, "conflict", status.HTTP_409_CONFLICT),
    (Gone, "gone", status.HTTP_410_GONE),
    (DomainError, "refused", status.HTTP_400_BAD_REQUEST),
)
_PASSED_ON_HEADERS = ("WWW-Authenticate", "Retry-After", "Allow")


def problem(
    http_status: int,
    detail: str,
    *,
    code: str,
    request=None,
    errors: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The problem-details body (RFC 9457) for one refusal."""
    body: dict[str, Any] = {
        "type": f"{_TYPE_PREFIX}{code}",
        "title": HTTPStatus(http_status).phrase,
        "status": http_status,
        "detail": detail,
        "instance": request.get_full_path() if request is not None else "",
        "code": code,
        "request_id": getattr(request, "request_id", ""),
    }
    if errors:
        body["errors"] = errors
    return body


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_JSON)


def field_errors(data: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested error structure -> [{"field": "a.b", "message": "..."}]."""
    if isinstance(data, dict):
        return [
            error
            for key, value in data.items()
            for error in field_errors(value, f"{prefix}.{key}" if prefix else str(key))
        ]
    if isinstance(data, list):
        return [error for item in data for error in field_errors(item, prefix)]
    return [{"field": prefix or "non_field_errors", "message": str(data)}]


def exception_handler(exc, context):
    request = context.get("request")
    for kind, code, http_status in _DOMAIN_PROBLEMS:
        if isinstance(exc, kind):
            return problem_response(problem(http_status, str(exc), code=code, request=request))
    if isinstance(exc, RequestDataTooBig):
        return problem_response(problem(413, str(exc), code="request_too_large", request=request))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a server error: ecgsite.views.server_error answers it, logged
    if isinstance(exc, exceptions.ValidationError):
        body = problem(
            response.status_code,
            "the request is invalid; see errors",
            code="invalid",
            request=request,
            errors=field_errors(response.data),
        )
    else:
        data = response.data if isinstance(response.data, dict) else {}
        detail = data.get("detail", "")
        drf_code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body = problem(response.status_code, str(detail), code=str(drf_code), request=request)
    headers = {name: response[name] for name in _PASSED_ON_HEADERS if name in response}
    logger.info(
        "api_problem status=%s code=%s request_id=%s", body["status"], body["code"],
        body["request_id"],
    )  # fmt: skip
    return problem_response(body, headers)
