"""The append-only audit trail: who did what, when, to which object."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("the audit trail is append-only")

    def delete(self):
        raise PermissionError("the audit trail is append-only")


class AuditEvent(models.Model):
    """Who did what, when, to which object. Never updated or deleted by the application.

    Rows form a hash chain (``audit.services``): each stores the hash of the event before it
    and its own hash over its content. On PostgreSQL a trigger also rejects UPDATE, DELETE and
    TRUNCATE of the table (accounts migration 0002; docs/audit.md).
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success"
        FAILURE = "failure"
        DENIED = "denied"

    created_at = models.DateTimeField(default=timezone.now, db_index=True)  # part of the hash
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    actor_label = models.CharField(max_length=254, blank=True)  # username at the time
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True, db_index=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS)
    details = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64, blank=True)  # "" for the first event
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        db_table = "accounts_auditevent"  # created by the accounts app before audit/ existed
        ordering = ["-id"]
        constraints = [
            # Two events naming the same predecessor would be a fork of the chain.
            models.UniqueConstraint(fields=["previous_hash"], name="audit_chain_no_fork"),
        ]
        permissions = [
            ("view_audit_trail", "Can read the audit trail"),
            ("view_statistics", "Can read aggregate statistics"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_label or '-'} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("the audit trail is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the audit trail is append-only")
