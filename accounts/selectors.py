"""Reads for the account and user administration pages."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.shortcuts import get_object_or_404

from accounts.models import ApiToken
from accounts.permissions import allowed
from accounts.roles import Perm, Role

ROLE_NAMES = [role.value for role in Role]


def _with_roles(users: QuerySet) -> QuerySet:
    User = get_user_model()
    role_groups = Group.objects.filter(name__in=ROLE_NAMES).order_by("name")
    has_role = User.groups.through.objects.filter(
        user_id=OuterRef("pk"), group__name__in=ROLE_NAMES
    )
    pending = Case(
        When(is_active=True, has_role=False, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    return (
        users.annotate(has_role=Exists(has_role))
        .annotate(is_pending=pending)
        .prefetch_related(Prefetch("groups", queryset=role_groups, to_attr="role_groups"))
    )


def users_for_admin(*, search: str = "", status: str = "") -> QuerySet:
    """Accounts for the admin list: pending ones (active, no role yet) first, newest first.

    ``search`` matches username, email and name (case-insensitive); ``status`` is "" (all),
    "pending", "active" or "inactive".
    """
    users = _with_roles(get_user_model().objects.all())
    if search:
        users = users.filter(
            Q(username__icontains=search)
            | Q(email__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
        )
    if status == "pending":
        users = users.filter(is_pending=True)
    elif status == "active":
        users = users.filter(is_active=True)
    elif status == "inactive":
        users = users.filter(is_active=False)
    return users.order_by("-is_pending", "-is_active", "-date_joined", "username")


def user_for_admin(user_id: int):
    """One account with its roles, or 404."""
    return get_object_or_404(_with_roles(get_user_model().objects.all()), pk=user_id)


def pending_count() -> int:
    return users_for_admin(status="pending").count()


def api_tokens_of(user) -> QuerySet[ApiToken]:
    """All of ``user``'s API tokens, newest first: revoked and expired ones too, so the owner
    can tell which key a failing script still uses."""
    return ApiToken.objects.filter(user=user)  # Meta.ordering: newest first


def api_token_for_change(actor, token_id: int) -> ApiToken:
    """A token ``actor`` may revoke: their own, or anyone's for an admin; otherwise 404, so
    other users' token ids leak nothing."""
    tokens = ApiToken.objects.select_related("user")
    if not allowed(actor, Perm.MANAGE_ROLES):
        tokens = tokens.filter(user_id=actor.pk)
    return get_object_or_404(tokens, pk=token_id)
