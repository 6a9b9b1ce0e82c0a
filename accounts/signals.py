"""Authentication events -> audit trail (``monitoring.receivers`` counts them too).

Connected in ``AccountsConfig.ready``. Django's auth signals cover every login path (the
login page, allauth, the admin, ``Client.login``); allauth's ``user_signed_up`` covers
sign-up. Passwords never reach here: Django masks them before ``user_login_failed``.
"""

from __future__ import annotations

from allauth.account.signals import user_signed_up
from allauth.mfa.signals import authentication_failed as mfa_authentication_failed
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit import services as audit
from audit.services import Action

_USERNAME_KEYS = ("username", "email", "login")


@receiver(user_logged_in, dispatch_uid="audit_user_logged_in")
def on_logged_in(sender, request, user, **kwargs) -> None:
    audit.record(Action.LOGIN, actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_user_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    """No actor (unless a signed-in session tries another login: then that session's user);
    the name that was tried goes in the details."""
    tried = next((str(credentials[k]) for k in _USERNAME_KEYS if credentials.get(k)), "")
    locked_out = bool(getattr(request, "axes_locked_out", False))  # django-axes sets this
    details: dict[str, str | bool] = {"username": tried[:150]}
    if locked_out:
        details["locked_out"] = True
    audit.record(
        Action.LOGIN_FAILED,
        request=request,
        outcome="failure",
        details=details,
    )


@receiver(mfa_authentication_failed, dispatch_uid="audit_mfa_authentication_failed")
def on_second_factor_failed(sender, request, user, authenticator, **kwargs) -> None:
    """A wrong second-factor code: the password was right, so the account is known (actor);
    repeated events for one account point at a stolen password."""
    audit.record(
        Action.LOGIN_FAILED,
        actor=user,
        request=request,
        outcome="failure",
        details={
            "username": user.get_username(),
            "stage": "second_factor",
            "authenticator": str(authenticator.type),
            "reauthentication": bool(kwargs.get("reauthentication", False)),
        },
    )


@receiver(user_logged_out, dispatch_uid="audit_user_logged_out")
def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is None:  # logging out without a session: nothing happened
        return
    audit.record(Action.LOGOUT, actor=user, request=request)


@receiver(user_signed_up, dispatch_uid="audit_user_signed_up")
def on_signed_up(sender, request, user, **kwargs) -> None:
    """Local sign-up, or the first sign-in through an identity provider (its id in details)."""
    sociallogin = kwargs.get("sociallogin")
    provider = sociallogin.account.provider if sociallogin is not None else "local"
    audit.record(
        Action.SIGNUP, actor=user, request=request, target=user, details={"provider": provider}
    )
