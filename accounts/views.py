"""Account pages: where each user lands, the waiting page, the user's own account (with
their API tokens), and user administration."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetConfirmView
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services
from accounts.forms import ApiTokenForm, InviteForm, RoleForm, UserSearchForm
from accounts.permissions import allowed, awaiting_role, permission_required
from accounts.roles import Perm, Role, has_any_role, roles_of


def home(request):
    """Send each user to the first page their role opens."""
    user = request.user
    if not user.is_authenticated:
        return redirect("login")
    manages_users = allowed(user, Perm.MANAGE_ROLES)
    if allowed(user, Perm.UPLOAD_RECORDING) and not manages_users:
        return redirect("classifier:recording_list")
    if awaiting_role(user):
        return redirect("accounts:no_access")
    # Admins always land here, whatever other roles they hold: the waiting accounts first.
    pending = selectors.pending_count() if manages_users else None
    return render(request, "accounts/home.html", {"pending_count": pending})


@login_required
def no_access(request):
    """A signed-in account without a role: nothing to see until an admin grants one."""
    return render(request, "accounts/no_access.html", {"has_role": has_any_role(request.user)})


@login_required
def my_account(request):
    """The signed-in user's own account: roles, API tokens, and links to password, email,
    TOTP, sessions."""
    return _render_my_account(request)


def _render_my_account(request, *, form=None, new_token=None, new_key="", status: int = 200):
    user = request.user
    return render(
        request,
        "accounts/my_account.html",
        {
            "roles": sorted(roles_of(user)),
            "api_tokens": selectors.api_tokens_of(user),
            "may_create_tokens": has_any_role(user),
            "token_form": form or ApiTokenForm(),
            "new_token": new_token,
            "new_key": new_key,
            "api_example_url": request.build_absolute_uri(reverse("recording-list")),
        },
        status=status,
    )


@login_required
@require_POST
@never_cache
def api_token_create(request):
    """Create a token and show its key in this response only: it is stored nowhere (not even
    in the session), so it cannot be shown again."""
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _render_my_account(request, form=form, status=400)
    try:
        token, key = services.api_token_create(
            user=request.user, request=request, **form.cleaned_data
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _render_my_account(request, form=form, status=400)
    messages.success(request, f'Created the API token "{token.name}".')
    return _render_my_account(request, new_token=token, new_key=key, status=201)


@login_required
@require_POST
def api_token_revoke(request, token_id):
    """Revoke one's own token, or (admins) anyone's; back to the page that lists it."""
    token = selectors.api_token_for_change(request.user, token_id)
    revoked = services.api_token_revoke(token=token, actor=request.user, request=request)
    if revoked:
        messages.success(request, f'Revoked the API token "{token.name}".')
    else:
        messages.success(request, f'The API token "{token.name}" was already revoked.')
    if token.user_id == request.user.pk:
        return redirect("accounts:my_account")
    return redirect("accounts:user_detail", user_id=token.user_id)


@permission_required(Perm.MANAGE_ROLES)
def user_list(request):
    form = UserSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    users = selectors.users_for_admin(search=filters.get("q", ""), status=filters.get("status", ""))
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"form": form, "page": page})


@permission_required(Perm.MANAGE_ROLES)
@require_http_methods(["GET", "POST"])
def user_invite(request):
    """Create an account with its roles and e-mail the invitation to set a password."""
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            subject = services.user_invite(
                actor=request.user,
                username=data["username"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                roles=[Role(role) for role in data["roles"]],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            link = request.build_absolute_uri(services.invitation_link(subject))
            services.invitation_send(user=subject, link_url=link, actor=request.user)
            messages.success(
                request,
                f"Created {subject.get_username()} and e-mailed the invitation to "
                f"{subject.email}: the link sets a password.",
            )
            return redirect("accounts:user_detail", user_id=subject.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/user_invite.html", {"form": form}, status=status)


@permission_required(Perm.MANAGE_ROLES)
@require_POST
def user_invite_resend(request, user_id):
    """E-mail a fresh invitation link to an account that has not set a password yet."""
    return _change(
        request,
        user_id,
        lambda subject: _invitation_resend(request, subject),
        done="E-mailed the invitation again.",
        unchanged="This account has a password already: it signs in, or resets it itself.",
    )


def _invitation_resend(request, subject) -> bool:
    if not services.invitation_resend(actor=request.user, user=subject, request=request):
        return False
    link = request.build_absolute_uri(services.invitation_link(subject))
    services.invitation_send(user=subject, link_url=link, actor=request.user)
    return True


class InvitationAcceptView(PasswordResetConfirmView):
    """The invitation link: the invited user chooses their password (Django's password-reset
    token: one use, expires after PASSWORD_RESET_TIMEOUT), then signs in."""

    template_name = "accounts/invitation_accept.html"
    success_url = reverse_lazy("login")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        services.invitation_accepted(user=form.user, request=self.request)
        messages.success(self.request, "Your password is set: sign in with it now.")
        return response


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
            "api_tokens": selectors.api_tokens_of(subject),
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
        done="Deactivated the account, signed it out everywhere and revoked its API tokens.",
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
