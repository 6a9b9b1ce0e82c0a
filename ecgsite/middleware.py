"""Site-wide middleware: a request id on every request, and the web edge's one translation
of domain errors (``classifier.core.errors``) into pages.

Views catch what they can explain in place (a form error, a message); anything else lands
here: 404 for NotFound, 403 for PermissionDenied, 400 for InvalidInput, 409 for Conflict,
each on the site's error page with the domain message.
"""

import ipaddress
import logging
import re
import uuid

from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponsePermanentRedirect
from django.middleware import common
from django.shortcuts import render
from django.utils.http import escape_leading_slashes

from classifier.core.errors import (
    Conflict,
    DomainError,
    Gone,
    InvalidInput,
    NotFound,
    PermissionDenied,
)


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        if isinstance(exception, NotFound):
            raise Http404(str(exception)) from exception
        if isinstance(exception, PermissionDenied):
            raise DjangoPermissionDenied(str(exception)) from exception
        if isinstance(exception, InvalidInput):
            raise BadRequest(str(exception)) from exception
        if isinstance(exception, Gone):
            return render(request, "gone.html", {"message": str(exception)}, status=410)
        status = 409 if isinstance(exception, Conflict) else 400
        return render(request, "conflict.html", {"message": str(exception)}, status=status)


class NoStoreMiddleware:
    """Responses to a signed-in user and every API answer hold (or may hold) patient data:
    ``Cache-Control: private, no-store`` unless the view chose its own (never a shared or
    disk cache on a clinical workstation). File and scalogram answers choose the same, and
    keep their ETag so a client that kept its own copy still gets a 304."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if (signed_in or request.path.startswith("/api/")) and not response.has_header(
            "Cache-Control"
        ):
            response["Cache-Control"] = NO_STORE
        return response


NO_STORE = "private, no-store"


class UnconfiguredProviderMiddleware:
    """The sign-in routes of an identity provider that is not configured (no client id, so
    no SocialApp) answer 404, not allauth's unhandled ``SocialApp.DoesNotExist`` (a 500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from allauth.socialaccount.models import SocialApp

        if isinstance(exception, SocialApp.DoesNotExist):
            raise Http404("this sign-in provider is not configured") from exception
        return None


_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
REQUEST_ID_HEADER = "X-Request-ID"
logger = logging.getLogger(__name__)


class RequestIdMiddleware:
    """``request.request_id``: the caller's X-Request-ID when well-formed (a proxy's), else a
    new one; returned in the response header and in API problem bodies, logged with errors."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        if response.status_code >= 500:
            logger.error("server_error request_id=%s path=%s", request.request_id, request.path)
        return response


class PermanentRedirectKeepingMethod(HttpResponsePermanentRedirect):
    status_code = 308


class CommonMiddleware(common.CommonMiddleware):
    """Django's, but the missing trailing slash is added with a 308, which keeps the method
    and body: a 301 makes clients re-send a POST as a GET, and an upload is silently lost."""

    response_redirect_class = PermanentRedirectKeepingMethod

    def get_full_path_with_slash(self, request):
        return escape_leading_slashes(request.get_full_path(force_append_slash=True))


def _networks(entries) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def forwarded_client_ip(remote_addr: str, forwarded_for: str, trusted: tuple) -> str:
    """The client's address: the peer itself unless it is a trusted proxy; then, walking
    X-Forwarded-For from the right (the addresses our own proxies appended), the first one
    that is not a trusted proxy. Anything a client wrote further left is never believed."""

    def is_trusted(text: str) -> bool:
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            return False
        return any(address in network for network in trusted)

    if not is_trusted(remote_addr) or not forwarded_for:
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote_addr  # a malformed hop: keep the proxy's own address
    return hops[0] if hops else remote_addr


class TrustedProxyMiddleware:
    """REMOTE_ADDR becomes the client's address when the request came through one of
    TRUSTED_PROXIES (addresses or networks: the reverse proxy in front, deploy/nginx.conf).
    Everything that keys on the client (django-axes' lockout, rate limits, the audit trail's
    address) then reads REMOTE_ADDR alone; a client's own X-Forwarded-For changes nothing."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.trusted = _networks(settings.TRUSTED_PROXIES)

    def __call__(self, request):
        if self.trusted:
            meta = request.META
            meta["REMOTE_ADDR"] = forwarded_client_ip(
                meta.get("REMOTE_ADDR", ""), meta.get("HTTP_X_FORWARDED_FOR", ""), self.trusted
            )
        return self.get_response(request)
