"""One translation of domain errors into JSON API responses."""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from classifier.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from classifier.core.signal import InvalidRecording, RecordingTooLarge

# Most specific first: the first class an error is an instance of decides.
_DOMAIN_RESPONSES: tuple[tuple[type[DomainError], str, int], ...] = (
    (RecordingTooLarge, "upload_too_large", status.HTTP_413_REQUEST_ENTITY_TOO_LARGE),
    (InvalidRecording, "invalid_recording", status.HTTP_400_BAD_REQUEST),
    (InvalidInput, "invalid", status.HTTP_400_BAD_REQUEST),
    (NotFound, "not_found", status.HTTP_404_NOT_FOUND),
    (PermissionDenied, "permission_denied", status.HTTP_403_FORBIDDEN),
    (Conflict, "conflict", status.HTTP_409_CONFLICT),
    (DomainError, "refused", status.HTTP_400_BAD_REQUEST),
)


def exception_handler(exc, context):
    for kind, code, http_status in _DOMAIN_RESPONSES:
        if isinstance(exc, kind):
            return Response({"error": code, "detail": str(exc)}, status=http_status)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"error": getattr(exc, "default_code", "error"), **response.data}
    return response
