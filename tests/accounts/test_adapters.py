"""allauth adapters (who may sign up) and the name django-axes counts failures for."""

from types import SimpleNamespace

import pytest
from allauth.account.models import EmailAddress
from django.test import RequestFactory

from accounts.adapters import AccountAdapter, SocialAccountAdapter, axes_username
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def sociallogin(*addresses):
    return SimpleNamespace(
        email_addresses=[
            EmailAddress(email=email, verified=verified) for email, verified in addresses
        ]
    )


@pytest.fixture
def request_():
    return RequestFactory().get("/")


def test_local_sign_up_follows_signup_open(settings, request_):
    settings.SIGNUP_OPEN = True
    assert AccountAdapter(request_).is_open_for_signup(request_)
    settings.SIGNUP_OPEN = False
    assert not AccountAdapter(request_).is_open_for_signup(request_)


def test_sso_sign_up_is_independent_of_local_sign_up(settings, request_):
    settings.SIGNUP_OPEN = False
    settings.SSO_SIGNUP_OPEN = True
    assert SocialAccountAdapter(request_).is_open_for_signup(request_, sociallogin())
    settings.SSO_SIGNUP_OPEN = False
    assert not SocialAccountAdapter(request_).is_open_for_signup(request_, sociallogin())


def test_sso_sign_up_limited_to_verified_emails_in_allowed_domains(settings, request_):
    settings.SSO_SIGNUP_EMAIL_DOMAINS = ["hospital.example"]
    adapter = SocialAccountAdapter(request_)
    assert adapter.is_open_for_signup(request_, sociallogin(("a@Hospital.Example", True)))
    assert not adapter.is_open_for_signup(request_, sociallogin(("a@hospital.example", False)))
    assert not adapter.is_open_for_signup(request_, sociallogin(("a@gmail.example", True)))
    assert not adapter.is_open_for_signup(request_, sociallogin())


def test_axes_counts_the_typed_name_case_insensitively():
    request = RequestFactory().post("/login/", {"login": "Dr.Lee"})
    assert axes_username(request, {"username": "Dr.Lee", "password": "x"}) == "dr.lee"
    assert axes_username(request) == "dr.lee"


def test_axes_counts_an_accounts_email_as_its_username():
    user = UserFactory(username="dr.kim", email="kim@hospital.example")
    request = RequestFactory().post("/login/")
    assert axes_username(request, {"email": "KIM@hospital.example"}) == user.username
    assert axes_username(request, {"email": "nobody@hospital.example"}) == (
        "nobody@hospital.example"
    )
