"""allauth and axes hooks: who may sign up, and which login name failed attempts count for."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Local accounts. A new account has no role: it waits until an admin grants one."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return settings.SIGNUP_OPEN


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Accounts created at the first sign-in through Google or the OpenID Connect provider."""

    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        if not settings.SSO_SIGNUP_OPEN:
            return False
        domains = settings.SSO_SIGNUP_EMAIL_DOMAINS
        if not domains:
            return True
        return any(
            address.verified and address.email.rsplit("@", 1)[-1].lower() in domains
            for address in sociallogin.email_addresses
        )


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The name django-axes counts failed logins for (``AXES_USERNAME_CALLABLE``).

    allauth authenticates with ``username=`` or ``email=``; an email that belongs to an account
    counts for that account's username, so a lockout covers both ways of signing in and a
    successful login (which axes reports by username) resets it. Case never matters.
    """
    credentials = credentials or {}
    post = getattr(request, "POST", {})
    typed = (
        credentials.get("username")
        or credentials.get("email")
        or post.get("login")
        or post.get("username")
        or ""
    ).strip()
    if "@" in typed:
        user = get_user_model().objects.filter(email__iexact=typed).first()
        if user is not None:
            typed = user.get_username()
    return typed.lower()
