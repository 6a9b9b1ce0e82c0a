"""REST API authentication by personal API token (``Authorization: Bearer wc_...``).

A token proves who the caller is, nothing more: permissions come from the owner's roles at
request time, so revoking a role or deactivating the account takes effect on the next call.
No CSRF check applies (DRF checks CSRF only for session authentication): a browser never
attaches this header by itself, so another site cannot make it send one.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import NoReturn

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from accounts.models import ApiToken
from accounts.throttles import note_failed_auth, refuse_if_too_many_failures
from audit import services as audit

logger = logging.getLogger(__name__)

# One message for every refusal: no hint which check failed.
INVALID_TOKEN = "invalid or expired API token"  # noqa: S105 (a message, not a secret)
# last_used_at is a hint for the owner ("is this script still running?"), not an access
# log: one write per token per minute at most, not one per request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class ApiTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <key>``: the key's sha256 is looked up, never the key itself.

    Unknown, revoked and expired keys, and keys of deactivated accounts, answer 401. Requests
    without a bearer header are left to the next authentication class (the browser session).
    """

    keyword = "Bearer"
    realm = "api"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        refuse_if_too_many_failures(request)
        if len(parts) != 2:
            self._refuse(request, "malformed header")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            self._refuse(request, "malformed key")
        now = timezone.now()
        token = (
            ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
        )
        if token is None:
            self._refuse(request, "unknown")
        if token.revoked_at is not None:
            self._refuse(request, "revoked", token)
        if token.expires_at <= now:
            self._refuse(request, "expired", token)
        if not token.user.is_active:
            self._refuse(request, "inactive user", token)
        self._note_use(token, now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        """Sent with 401s, which DRF gives only when the first authenticator names a scheme."""
        return f'{self.keyword} realm="{self.realm}"'

    @staticmethod
    def _refuse(request, reason: str, token: ApiToken | None = None) -> NoReturn:
        logger.warning(
            "api_token_refused reason=%s token=%s ip=%s",
            reason,
            token.pk if token else "-",
            audit.client_ip(request),
        )
        note_failed_auth(request)
        raise AuthenticationFailed(INVALID_TOKEN)

    @staticmethod
    def _note_use(token: ApiToken, now: dt.datetime) -> None:
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Documents the bearer scheme in the OpenAPI schema (and the docs page's Authorize)."""

    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            **build_bearer_security_scheme_object(
                header_name="Authorization", token_prefix=ApiTokenAuthentication.keyword
            ),
            "description": 'A personal API token from the "My account" page: '
            "`Authorization: Bearer wc_...`. It acts with its owner's current roles.",
        }
