"""Account state changes: roles as groups with the permissions of accounts.roles, the admin
actions on accounts (grant, revoke, deactivate, reactivate) and personal API tokens, each
audited."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.apps import apps
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import (
    API_TOKEN_DEFAULT_LIFETIME_DAYS,
    API_TOKEN_LIFETIMES_DAYS,
    API_TOKEN_NAME_MAX_LENGTH,
    API_TOKEN_PREFIX_LENGTH,
    ApiToken,
)
from accounts.permissions import check
from accounts.roles import ROLE_PERMISSIONS, Perm, Role, has_any_role, roles_of
from audit import services as audit
from audit.services import Action
from classifier.core.errors import Conflict
from classifier.core.errors import PermissionDenied as DomainPermissionDenied

logger = logging.getLogger(__name__)


class AccountChangeRefused(Conflict):
    """An account change that would break an invariant (e.g. remove the last admin)."""


def roles_sync() -> None:
    """Create one group per role holding exactly the role's permissions (idempotent)."""
    for app_label in {p.split(".")[0] for perms in ROLE_PERMISSIONS.values() for p in perms}:
        create_permissions(apps.get_app_config(app_label), verbosity=0)  # may not exist yet
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = [
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
            for app_label, codename in (p.split(".") for p in perms)
        ]
        group.permissions.set(wanted)


def role_grant_bootstrap(user, role: Role) -> None:
    """Give ``role`` to ``user`` without an acting admin (installation bootstrap only)."""
    user.groups.add(Group.objects.get(name=role.value))


def _role_names(user) -> list[str]:
    return sorted(role.value for role in roles_of(user))


def _lock_active_admins() -> set[int]:
    """Ids of the active admins, locked until the transaction ends (PostgreSQL), so two
    admins removing each other at the same moment cannot leave the site without one."""
    User = get_user_model()
    admins = User.objects.select_for_update(no_key=True).filter(
        groups__name=Role.ADMIN.value, is_active=True
    )
    return set(admins.values_list("pk", flat=True))


def _refuse_losing_last_admin(user) -> None:
    if _lock_active_admins() == {user.pk}:
        raise AccountChangeRefused(
            f"{user.get_username()} is the last active admin; grant the admin role to "
            "another account first"
        )


def _record(action: str, *, actor, user, request, before: dict, after: dict, **details) -> None:
    audit.record(
        action,
        actor=actor,
        request=request,
        target=user,
        details={"user": user.get_username(), "before": before, "after": after, **details},
    )


def role_grant(*, actor, user, role: Role, request=None) -> bool:
    """Give ``role`` to ``user``. Returns False (and records nothing) if they already hold it."""
    return _role_set(actor=actor, user=user, role=role, request=request, held=True)


def role_revoke(*, actor, user, role: Role, request=None) -> bool:
    """Take ``role`` from ``user``. Returns False if they do not hold it.

    Raises AccountChangeRefused when it would leave no active admin.
    """
    return _role_set(actor=actor, user=user, role=role, request=request, held=False)


def _role_set(*, actor, user, role: Role, request, held: bool) -> bool:
    """Make ``user`` hold ``role`` (``held``) or not; False if that is already so."""
    check(actor, Perm.MANAGE_ROLES)
    role = Role(role)
    action = Action.ROLE_GRANTED if held else Action.ROLE_REVOKED
    with transaction.atomic():
        before = _role_names(user)
        if (role.value in before) == held:
            return False
        group = Group.objects.get(name=role.value)
        if held:
            user.groups.add(group)
        else:
            if role == Role.ADMIN and user.is_active:
                _refuse_losing_last_admin(user)
            user.groups.remove(group)
        _record(
            action,
            actor=actor,
            user=user,
            request=request,
            before={"roles": before},
            after={"roles": _role_names(user)},
            role=role.value,
        )
    logger.info("%s user=%s role=%s by=%s", action, user.pk, role.value, actor.pk)
    return True


def account_deactivate(*, actor, user, request=None) -> bool:
    """Block ``user`` from signing in, end all their sessions, everywhere, and revoke their
    API tokens (reactivation does not bring those back: the owner creates new ones).

    Returns False if already inactive; raises AccountChangeRefused for the last active admin.
    Roles are kept, so reactivation restores the same access.
    """
    check(actor, Perm.MANAGE_ROLES)
    with transaction.atomic():
        if not user.is_active:
            return False
        if Role.ADMIN in roles_of(user):
            _refuse_losing_last_admin(user)
        user.is_active = False
        user.save(update_fields=["is_active"])
        sessions_ended = sessions_end_all(user)
        tokens_revoked = api_tokens_revoke_all(user)
        _record(
            Action.ACCOUNT_DEACTIVATED,
            actor=actor,
            user=user,
            request=request,
            before={"is_active": True},
            after={"is_active": False},
            sessions_ended=sessions_ended,
            api_tokens_revoked=tokens_revoked,
        )
    logger.info("account_deactivated user=%s by=%s", user.pk, actor.pk)
    return True


def account_activate(*, actor, user, request=None) -> bool:
    """Let a deactivated ``user`` sign in again. Returns False if already active."""
    check(actor, Perm.MANAGE_ROLES)
    with transaction.atomic():
        if user.is_active:
            return False
        user.is_active = True
        user.save(update_fields=["is_active"])
        _record(
            Action.ACCOUNT_ACTIVATED,
            actor=actor,
            user=user,
            request=request,
            before={"is_active": False},
            after={"is_active": True},
        )
    logger.info("account_activated user=%s by=%s", user.pk, actor.pk)
    return True


def sessions_end_all(user) -> int:
    """Delete every session of ``user`` (every browser and device); returns how many.

    Sign-ins through allauth are tracked (allauth.usersessions); sessions it did not see
    (e.g. a Django admin login) are found in the database session store.
    """
    tracked = list(UserSession.objects.filter(user=user))
    for session in tracked:
        session.end()
    ended = {session.session_key for session in tracked}
    if settings.SESSION_ENGINE in {
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    }:
        store = import_module(settings.SESSION_ENGINE).SessionStore
        for row in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
            if row.get_decoded().get(SESSION_KEY) == str(user.pk):
                store(row.session_key).delete()
                ended.add(row.session_key)
    return len(ended)


# Makes a leaked key recognisable (e.g. by secret scanners).
API_TOKEN_KEY_PREFIX = "wc_"  # noqa: S105 (a fixed prefix, not a secret)
API_TOKENS_ACTIVE_MAX = 10  # per user: a stolen session cannot mint keys without bound


def _token_details(token: ApiToken) -> dict:
    """What the audit trail keeps about a token: never the key (nor its hash)."""
    return {"user": token.user.get_username(), "name": token.name, "prefix": token.prefix}


def api_token_create(
    *, user, name: str, days: int = API_TOKEN_DEFAULT_LIFETIME_DAYS, request=None
) -> tuple[ApiToken, str]:
    """Create an API token for ``user``; returns it with its key.

    This is the only moment the key exists: only its sha256 is stored, so the caller shows
    it once. Accounts without a role may not create tokens (nothing to use them for).
    """
    if not (user.is_active and has_any_role(user)):
        raise DomainPermissionDenied("only accounts holding a role may create API tokens")
    name = (name or "").strip()
    if not name:
        raise ValidationError("Give the token a name, e.g. what the script does.")
    if len(name) > API_TOKEN_NAME_MAX_LENGTH:
        raise ValidationError(
            f"The name is {len(name)} characters long; at most {API_TOKEN_NAME_MAX_LENGTH}."
        )
    if days not in API_TOKEN_LIFETIMES_DAYS:
        *shorter, longest = (str(d) for d in API_TOKEN_LIFETIMES_DAYS)
        raise ValidationError(f"Choose a lifetime of {', '.join(shorter)} or {longest} days.")
    key = API_TOKEN_KEY_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        # One creation at a time per user (PostgreSQL), so the limit holds under races.
        get_user_model().objects.select_for_update(no_key=True).get(pk=user.pk)
        if ApiToken.objects.filter(user=user).active(now).count() >= API_TOKENS_ACTIVE_MAX:
            raise ValidationError(
                f"You already have {API_TOKENS_ACTIVE_MAX} active API tokens; "
                "revoke one you no longer use first."
            )
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=key[:API_TOKEN_PREFIX_LENGTH],
            key_hash=ApiToken.hash_key(key),
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
        audit.record(
            Action.TOKEN_CREATED,
            actor=user,
            request=request,
            target=token,
            details={**_token_details(token), "expires_at": token.expires_at},
        )
    logger.info("api_token_created token=%s user=%s days=%s", token.pk, user.pk, days)
    return token, key


def api_token_revoke(*, token: ApiToken, actor, request=None) -> bool:
    """Stop ``token`` authenticating, from the next request on. Its owner or an admin may.

    Returns False (and records nothing) if it was already revoked.
    """
    if token.user_id != actor.pk:
        check(actor, Perm.MANAGE_ROLES)
    now = timezone.now()
    with transaction.atomic():
        # Conditional update: of two concurrent revokes, one changes the row and is audited.
        if not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now):
            return False
        token.revoked_at = now
        audit.record(
            Action.TOKEN_REVOKED,
            actor=actor,
            request=request,
            target=token,
            details=_token_details(token),
        )
    logger.info("api_token_revoked token=%s user=%s by=%s", token.pk, token.user_id, actor.pk)
    return True


def api_tokens_revoke_all(user) -> int:
    """Revoke every token of ``user`` not revoked yet; returns how many (the caller audits)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def _normalised_email(email: str) -> str:
    return get_user_model().objects.normalize_email((email or "").strip())


def user_invite(
    *,
    actor,
    username: str,
    email: str,
    first_name: str = "",
    last_name: str = "",
    roles: list[Role] | tuple[Role, ...] = (),
    request=None,
):
    """Create an account for someone an admin invites: no usable password until they set one
    through the invitation link (``invitation_link``); the roles are theirs from the start.
    Audited. Raises ValidationError for a taken username or e-mail address."""
    check(actor, Perm.MANAGE_ROLES)
    User = get_user_model()
    username, email = (username or "").strip(), _normalised_email(email)
    if not username or not email:
        raise ValidationError("An invitation needs a username and an e-mail address.")
    roles = [Role(role) for role in roles]
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(f"The username {username} is taken.")
        if (
            User.objects.filter(email__iexact=email).exists()
            or EmailAddress.objects.filter(email__iexact=email).exists()
        ):
            raise ValidationError(f"An account with the e-mail address {email} exists already.")
        user = User(
            username=username,
            email=email,
            first_name=first_name.strip()[:150],
            last_name=last_name.strip()[:150],
        )
        user.set_unusable_password()
        user.save()
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
        user.groups.add(*Group.objects.filter(name__in=[role.value for role in roles]))
        audit.record(
            Action.USER_INVITED,
            actor=actor,
            request=request,
            target=user,
            details={
                "user": user.get_username(),
                "email": email,
                "name": user.get_full_name(),
                "roles": sorted(role.value for role in roles),
            },
        )
    logger.info("user_invited user=%s by=%s", user.pk, actor.pk)
    return user


def invitation_resend(*, actor, user, request=None) -> bool:
    """Record that ``user``'s invitation is sent again; False (nothing recorded) when the
    account already has a password, is deactivated or has no e-mail address."""
    check(actor, Perm.MANAGE_ROLES)
    if user.has_usable_password() or not user.is_active or not user.email:
        return False
    audit.record(
        Action.USER_INVITED,
        actor=actor,
        request=request,
        target=user,
        details={"user": user.get_username(), "email": user.email, "resent": True},
    )
    return True


def invitation_link(user) -> str:
    """The path of the one-time link that lets ``user`` set their first password (Django's
    password-reset token: it stops working once a password is set, or after
    PASSWORD_RESET_TIMEOUT)."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("accounts:invitation_accept", args=[uidb64, token])


def invitation_send(*, user, link_url: str, actor) -> None:
    """E-mail the invitation (the link is never shown to the admin nor stored)."""
    days = max(1, round(settings.PASSWORD_RESET_TIMEOUT / 86400))
    body = render_to_string(
        "accounts/invitation_email.txt",
        {"user": user, "link_url": link_url, "days": days, "inviter": actor},
    )
    send_mail(
        f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}Your WaveCardio account",
        body,
        None,
        [user.email],
    )


def invitation_accepted(*, user, request=None) -> None:
    """The invited user set their password through the link: their address is verified."""
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
    audit.record(
        Action.INVITATION_ACCEPTED,
        actor=user,
        request=request,
        target=user,
        details={"user": user.get_username()},
    )
