"""One translation of domain errors into JSON API responses."""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from classifier.core.signal import InvalidRecording, RecordingTooLarge


def exception_handler(exc, context):
    if isinstance(exc, RecordingTooLarge):
        return Response(
            {"error": "upload_too_large", "detail": str(exc)},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, InvalidRecording):
        return Response(
            {"error": "invalid_recording", "detail": str(exc)},
            status=status.HTTP_400_BAD_REQUEST,
        )
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"error": getattr(exc, "default_code", "error"), **response.data}
    return response
