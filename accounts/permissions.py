"""The one place where permissions are checked, for views, the API and the CLI alike."""

from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from accounts.roles import Perm


def check(user, perm: Perm) -> None:
    """Raise PermissionDenied unless ``user`` holds ``perm`` (deny by default)."""
    if not (user.is_authenticated and user.is_active and user.has_perm(perm)):
        raise PermissionDenied(f"missing permission: {perm}")


def allowed(user, perm: Perm) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(perm))


def check_owner(user, obj) -> None:
    """Raise PermissionDenied unless ``user`` owns ``obj`` (it has an ``owner_id``).

    For changes to objects a selector already let ``user`` read: a reviewer reads everyone's
    recordings, but deletes only their own. Objects the user may not read answer 404 first.
    """
    if not (user.is_authenticated and user.is_active and obj.owner_id == user.pk):
        raise PermissionDenied("only the owner may change this")


# --- audit of API denials (issue 4) ---
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
    """One ``access_denied`` event per request, however many permission classes refuse."""
    from accounts import audit

    if getattr(request, "_access_denial_audited", False):
        return
    request._access_denial_audited = True
    audit.record(
        audit.Action.ACCESS_DENIED,
        request=request,
        outcome="denied",
        details={"path": request.path, "method": request.method, "permission": str(permission)},
    )


# --- end audit of API denials ---


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
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login
    from django.shortcuts import redirect

    from accounts import audit
    from accounts.roles import has_any_role

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(user, perm):
                if not has_any_role(user) and not user.is_superuser:
                    return redirect("accounts:no_access")
                audit.record(
                    audit.Action.ACCESS_DENIED,
                    request=request,
                    outcome="denied",
                    details={"path": request.path, "permission": str(perm)},
                )
                raise PermissionDenied(f"missing permission: {perm}")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
