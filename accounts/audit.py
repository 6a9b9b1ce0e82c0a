"""Write audit events. One function, called by services and auth signal handlers."""

from __future__ import annotations

from typing import Any

from accounts.models import AuditEvent


class Action:
    """Audit action names (stable strings: they are stored and filtered on)."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    SIGNUP = "signup"
    ROLE_GRANTED = "role_granted"
    ROLE_REVOKED = "role_revoked"
    ACCOUNT_ACTIVATED = "account_activated"
    ACCOUNT_DEACTIVATED = "account_deactivated"
    RECORDING_UPLOADED = "recording_uploaded"
    UPLOAD_REJECTED = "upload_rejected"
    RECORDING_VIEWED = "recording_viewed"
    RECORDING_DOWNLOADED = "recording_downloaded"
    RECORDING_DELETED = "recording_deleted"
    PREDICTION_REQUESTED = "prediction_requested"
    PREDICTION_COMPLETED = "prediction_completed"
    PREDICTION_FAILED = "prediction_failed"
    OVERREAD_RECORDED = "overread_recorded"
    MODEL_VERSION_ACTIVATED = "model_version_activated"
    MODEL_VERSION_SHADOWED = "model_version_shadowed"
    TOKEN_CREATED = "api_token_created"
    TOKEN_REVOKED = "api_token_revoked"
    ACCESS_DENIED = "access_denied"
    AUDIT_EXPORTED = "audit_exported"


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def record(
    action: str,
    *,
    actor=None,
    request=None,
    target=None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. ``target`` is a model instance (its class name and pk are stored)."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor.get_username() if actor is not None else "",
        ip_address=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:512] if request else ""),
        action=action,
        target_type=type(target).__name__ if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        outcome=outcome,
        details=details or {},
    )
