"""``Idempotency-Key`` on the API's POSTs: a client that retries after a timeout gets the
first answer again instead of a second recording, inference or over-read.

Same key, same path, same body: the stored response (status, body, Location). Same key and
path with another body: 409. Keys are the caller's own (per user) and kept for a day.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response

from classifier.core.errors import Conflict, InvalidInput
from classifier.models import IdempotentRequest

HEADER = "Idempotency-Key"
KEPT = dt.timedelta(days=1)
MAX_KEY_LENGTH = 128


def idempotent(view_method):
    """Decorate a DRF POST handler (``self, request, ...``) to honour Idempotency-Key."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            raise InvalidInput(f"{HEADER} is longer than {MAX_KEY_LENGTH} characters")
        body_sha256 = _fingerprint(request.data)
        earlier = IdempotentRequest.objects.filter(
            user=request.user, key=key, path=request.path, created_at__gte=timezone.now() - KEPT
        ).first()
        if earlier is not None:
            if earlier.body_sha256 != body_sha256:
                raise Conflict(f"this {HEADER} was used with another request body")
            return _replayed(earlier)
        response = view_method(self, request, *args, **kwargs)
        if response.status_code < 500:
            _store(request, key, body_sha256, response)
        return response

    return wrapper


def _fingerprint(data) -> str:
    """sha256 over the parsed body: fields and uploaded files (read in chunks, never whole)."""
    if hasattr(data, "lists"):  # a QueryDict (form, multipart): every value of every field
        pairs = [(name, value) for name, values in data.lists() for value in values]
    else:  # a JSON object
        pairs = list(data.items())
    digest = hashlib.sha256()
    for name, value in sorted(pairs, key=lambda pair: pair[0]):
        digest.update(f"{name}\0".encode())
        if isinstance(value, UploadedFile):
            for chunk in value.chunks():
                digest.update(chunk)
            value.seek(0)
        else:
            digest.update(json.dumps(value, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _replayed(earlier: IdempotentRequest) -> Response:
    headers = {"Idempotent-Replayed": "true"}
    if earlier.location:
        headers["Location"] = earlier.location
    return Response(earlier.response, status=earlier.status_code, headers=headers)


def _store(request, key: str, body_sha256: str, response) -> None:
    IdempotentRequest.objects.filter(created_at__lt=timezone.now() - KEPT).delete()
    try:
        with transaction.atomic():
            IdempotentRequest.objects.create(
                user=request.user,
                key=key,
                path=request.path,
                body_sha256=body_sha256,
                status_code=response.status_code,
                response=response.data if isinstance(response.data, dict) else {},
                location=response.get("Location", ""),
            )
    except IntegrityError:  # a concurrent retry stored it first: its answer stands
        pass


HEADER_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="a key of your choice (at most 128 characters): retrying with the same key "
    "and body returns the first answer (Idempotent-Replayed: true); another body, 409",
)
