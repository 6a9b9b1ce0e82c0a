"""Accounts data: personal API tokens and the accounts permissions (users and roles are
Django's User and Group; the audit trail is the ``audit`` app)."""

import datetime as dt
import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone


class RolePermissions(models.Model):
    """Holds the accounts app's own permissions (roles.Perm); no table, no rows."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_metrics", "Can scrape Prometheus metrics and health pages"),
            ("manage_roles", "Can grant and revoke roles and (de)activate accounts"),
        ]

    def __str__(self) -> str:
        return "accounts permissions"


API_TOKEN_LIFETIMES_DAYS = (30, 90, 365)  # what the owner may choose
API_TOKEN_DEFAULT_LIFETIME_DAYS = 90
API_TOKEN_NAME_MAX_LENGTH = 100
API_TOKEN_PREFIX_LENGTH = 8  # characters of the key kept to recognise it in lists


def api_token_default_expiry():
    return timezone.now() + dt.timedelta(days=API_TOKEN_DEFAULT_LIFETIME_DAYS)


class ApiTokenQuerySet(models.QuerySet):
    def active(self, now=None):
        """Tokens that still authenticate: not revoked and not expired."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(models.Model):
    """A personal key for the REST API, for scripts that cannot use a browser session.

    Only the sha256 of the key is stored (the key is shown once, at creation), so a leaked
    database grants no API access. The key carries no permissions of its own: requests get
    the owner's roles at request time.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=API_TOKEN_NAME_MAX_LENGTH)  # the owner's label
    prefix = models.CharField(max_length=API_TOKEN_PREFIX_LENGTH)  # the key's first characters
    key_hash = models.CharField(max_length=64, unique=True)  # sha256 hex of the whole key
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=api_token_default_expiry)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        """sha256 hex of a key: what is stored and looked up. The key holds 256 random bits, so
        an unsalted fast hash is enough, and the lookup's timing can reveal only bits of the
        hash, never of the key (no constant-time comparison needed)."""
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def status(self) -> str:
        """What the token lists show: active, revoked or expired."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= timezone.now() else "active"
