"""The one place where permissions are checked, for views, the API and the CLI alike."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from rest_framework.permissions import BasePermission

from accounts.roles import Perm, has_any_role
from audit import services as audit
from classifier.core.errors import PermissionDenied as DomainPermissionDenied


def check(user, perm: Perm) -> None:
    """Raise the domain's PermissionDenied unless ``user`` holds ``perm`` (deny by default)."""
    if not allowed(user, perm):
        raise DomainPermissionDenied(f"missing permission: {perm}")


def allowed(user, perm: Perm) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(perm))


def awaiting_role(user) -> bool:
    """A signed-in account an admin has not granted a role yet (superusers never wait)."""
    return not has_any_role(user) and not user.is_superuser


class AuditedPermission(BasePermission):
    """DRF permission base: an authenticated caller refused by ``has_permission`` leaves one
    ``access_denied`` audit event (anonymous callers get 401/403 without one)."""

    def has_permission(self, request, view) -> bool:
        granted = self.grants(request, view)
        if not granted and request.user.is_authenticated:
            audit_denial(request, getattr(self, "permission", "") or getattr(self, "message", ""))
        return granted

    def grants(self, request, view) -> bool:
        raise NotImplementedError


def audit_denial(request, permission: str) -> None:
    """One ``access_denied`` event per request, however many checks refuse: the same details
    (path, method, permission) for web pages, API calls and /metrics."""
    if getattr(request, "_access_denial_audited", False):
        return
    request._access_denial_audited = True
    audit.record(
        audit.Action.ACCESS_DENIED,
        request=request,
        outcome="denied",
        details={"path": request.path, "method": request.method, "permission": str(permission)},
    )


def api_permission(perm: Perm) -> type[BasePermission]:
    """A DRF permission class granting access to users holding ``perm`` (denials audited)."""

    class HasPerm(AuditedPermission):
        message = f"missing permission: {perm}"
        permission = perm

        def grants(self, request, view) -> bool:
            return allowed(request.user, perm)

    HasPerm.__name__ = f"Has_{perm.name}"
    return HasPerm


def permission_required(perm: Perm):
    """View decorator: login required; users without any role see the no-access page;
    users with a role but not ``perm`` get 403 (and the denial is audited)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(user, perm):
                if awaiting_role(user):
                    return redirect("accounts:no_access")
                audit_denial(request, perm)
                raise PermissionDenied(f"missing permission: {perm}")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
