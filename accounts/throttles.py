"""API rate limits (DRF throttles, counted in the shared cache: set CACHE_URL to Redis when
several processes serve) and the failed-authentication limit per client address."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from rest_framework.exceptions import Throttled
from rest_framework.throttling import UserRateThrottle

from audit import services as audit

FAILED_AUTH_WINDOW_S = 60


class UploadRateThrottle(UserRateThrottle):
    """Uploads and stateless classifications per user: each one runs the model."""

    scope = "uploads"


def _failed_auth_key(request) -> str:
    return f"failed-auth:{audit.client_ip(request) or 'unknown'}"


def refuse_if_too_many_failures(request) -> None:
    """Raise Throttled (429 + Retry-After) once an address has failed too often this minute:
    guessing tokens costs the guesser, not the server."""
    limit = settings.WAVECARDIO["FAILED_AUTH_PER_MINUTE"]
    if cache.get(_failed_auth_key(request), 0) >= limit:
        raise Throttled(
            wait=FAILED_AUTH_WINDOW_S, detail="too many failed authentications from this address"
        )


def note_failed_auth(request) -> None:
    key = _failed_auth_key(request)
    if not cache.add(key, 1, timeout=FAILED_AUTH_WINDOW_S):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=FAILED_AUTH_WINDOW_S)
