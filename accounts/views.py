"""Account pages: where each user lands, the waiting page, and user administration."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import RoleForm, UserSearchForm
from accounts.permissions import allowed, awaiting_role, permission_required
from accounts.roles import Perm, Role, has_any_role, roles_of


def home(request):
    """Send each user to the first page their role opens."""
    user = request.user
    if not user.is_authenticated:
        return redirect("login")
    if allowed(user, Perm.UPLOAD_RECORDING):
        return redirect("classifier:recording_list")
    if awaiting_role(user):
        return redirect("accounts:no_access")
    pending = selectors.pending_count() if allowed(user, Perm.MANAGE_ROLES) else None
    return render(request, "accounts/home.html", {"pending_count": pending})


@login_required
def no_access(request):
    """A signed-in account without a role: nothing to see until an admin grants one."""
    return render(request, "accounts/no_access.html", {"has_role": has_any_role(request.user)})


@login_required
def my_account(request):
    """The signed-in user's own account: roles, and links to password, email, TOTP, sessions."""
    return render(request, "accounts/my_account.html", {"roles": sorted(roles_of(request.user))})


@permission_required(Perm.MANAGE_ROLES)
def user_list(request):
    form = UserSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    users = selectors.users_for_admin(search=filters.get("q", ""), status=filters.get("status", ""))
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"form": form, "page": page})


@permission_required(Perm.MANAGE_ROLES)
def user_detail(request, user_id):
    return _render_detail(request, selectors.user_for_admin(user_id))


def _render_detail(request, subject, *, status: int = 200):
    held = {group.name for group in subject.role_groups}
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": subject,
            "held_roles": [role for role in Role if role.value in held],
            "grantable_roles": [role for role in Role if role.value not in held],
        },
        status=status,
    )


def _change(request, user_id, change, done: str, unchanged: str):
    """Run one account change from a POST; re-render with 409 if the service refuses."""
    subject = selectors.user_for_admin(user_id)
    try:
        changed = change(subject)
    except services.AccountChangeRefused as exc:
        messages.error(request, str(exc))
        return _render_detail(request, subject, status=409)  # the refused change left it as is
    messages.success(request, done if changed else unchanged)
    return redirect("accounts:user_detail", user_id=subject.pk)


def _role_change(request, user_id, service, done: str, unchanged: str):
    """Grant or revoke the role named in the POST with ``service`` (400 for an unknown role)."""
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, selectors.user_for_admin(user_id), status=400)
    role = Role(form.cleaned_data["role"])
    return _change(
        request,
        user_id,
        lambda subject: service(actor=request.user, user=subject, role=role, request=request),
        done=done.format(role=role),
        unchanged=unchanged.format(role=role),
    )


@permission_required(Perm.MANAGE_ROLES)
@require_POST
def user_role_grant(request, user_id):
    return _role_change(
        request,
        user_id,
        services.role_grant,
        done="Granted the {role} role.",
        unchanged="The account already had the {role} role.",
    )


@permission_required(Perm.MANAGE_ROLES)
@require_POST
def user_role_revoke(request, user_id):
    return _role_change(
        request,
        user_id,
        services.role_revoke,
        done="Revoked the {role} role.",
        unchanged="The account did not have the {role} role.",
    )


@permission_required(Perm.MANAGE_ROLES)
@require_POST
def user_deactivate(request, user_id):
    return _change(
        request,
        user_id,
        lambda subject: services.account_deactivate(
            actor=request.user, user=subject, request=request
        ),
        done="Deactivated the account and signed it out everywhere.",
        unchanged="The account was already deactivated.",
    )


@permission_required(Perm.MANAGE_ROLES)
@require_POST
def user_activate(request, user_id):
    return _change(
        request,
        user_id,
        lambda subject: services.account_activate(
            actor=request.user, user=subject, request=request
        ),
        done="Reactivated the account.",
        unchanged="The account was already active.",
    )
