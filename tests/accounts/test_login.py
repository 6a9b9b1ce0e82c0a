"""Local sign-in through allauth, sign-up, and django-axes lockout (username + IP address)."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def attempt(client, login, password=PASSWORD):
    return client.post(reverse("login"), {"login": login, "password": password})


def test_login_page_is_allauths_form(client):
    page = client.get(reverse("login")).content.decode()
    assert 'name="login"' in page and 'name="password"' in page
    assert "Sign in with" not in page  # no identity provider configured in tests


@pytest.mark.parametrize("field", ["username", "email"])
def test_sign_in_with_username_or_email_lands_where_the_role_opens(client, clinician, field):
    response = attempt(client, getattr(clinician, field))
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == reverse("classifier:recording_list")


def test_wrong_password_is_a_form_error(client, clinician):
    response = attempt(client, clinician.username, "wrong")
    assert response.status_code == 200
    assert "not correct" in response.content.decode()


def test_lockout_after_repeated_failures_for_that_username_and_ip(client, clinician, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        assert attempt(client, clinician.username, "wrong").status_code == 200

    locked = attempt(client, clinician.username, "wrong")
    assert locked.status_code == 429
    assert "Sign-in temporarily locked" in locked.content.decode()
    assert "3 in a row" in locked.content.decode()
    # Even the right password is refused while locked, and the email counts as the username.
    assert attempt(client, clinician.username).status_code == 429
    assert attempt(Client(), clinician.email.upper()).status_code == 429
    assert AuditEvent.objects.filter(action="login_failed").exists()

    # The same username from another address, and other users, are not locked.
    assert attempt(Client(REMOTE_ADDR="10.9.8.7"), clinician.username).status_code == 302
    other = UserFactory()
    assert attempt(Client(), other.username).status_code == 302


def test_a_successful_login_resets_the_failure_count(client, clinician, settings):
    settings.AXES_FAILURE_LIMIT = 3
    attempt(client, clinician.username, "wrong")
    attempt(client, clinician.username, "wrong")
    assert attempt(client, clinician.username).status_code == 302
    client.logout()
    attempt(client, clinician.username, "wrong")
    attempt(client, clinician.username, "wrong")
    assert attempt(client, clinician.username).status_code == 302


def test_sign_up_creates_an_account_without_role(client):
    response = client.post(
        reverse("account_signup"),
        {
            "username": "dr.new",
            "email": "dr.new@hospital.example",
            "password1": "a sufficiently long passphrase",
            "password2": "a sufficiently long passphrase",
        },
        follow=True,
    )
    user = get_user_model().objects.get(username="dr.new")
    assert not user.groups.exists()
    assert "administrator must grant you access" in response.content.decode()
    assert AuditEvent.objects.filter(action="signup", actor=user).exists()
    assert len(mail.outbox) == 1  # verification mail (optional outside production)


def test_sign_up_uses_djangos_password_rules(client):
    response = client.post(
        reverse("account_signup"),
        {
            "username": "dr.weak",
            "email": "w@x.example",
            "password1": "12345678",
            "password2": "12345678",
        },
    )
    assert response.status_code == 200
    assert "too common" in response.content.decode()
    assert not get_user_model().objects.filter(username="dr.weak").exists()


def test_mandatory_email_verification_blocks_sign_in_until_confirmed(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    client.post(
        reverse("account_signup"),
        {
            "username": "dr.mail",
            "email": "dr.mail@hospital.example",
            "password1": "a sufficiently long passphrase",
            "password2": "a sufficiently long passphrase",
        },
    )
    assert "_auth_user_id" not in client.session
    assert not EmailAddress.objects.get(email="dr.mail@hospital.example").verified
    assert "confirm" in mail.outbox[0].body.lower()


def test_sign_up_can_be_closed(client, settings):
    settings.SIGNUP_OPEN = False
    assert "Create an account" not in client.get(reverse("login")).content.decode()
    response = client.post(
        reverse("account_signup"),
        {
            "username": "dr.closed",
            "email": "dr.closed@hospital.example",
            "password1": "a sufficiently long passphrase",
            "password2": "a sufficiently long passphrase",
        },
    )
    assert "Sign Up Closed" in response.content.decode()
    assert not get_user_model().objects.filter(username="dr.closed").exists()


def test_own_account_page_for_every_signed_in_user(client, no_role_user):
    client.force_login(no_role_user)
    page = client.get(reverse("accounts:my_account")).content.decode()
    assert "none yet" in page
    assert reverse("mfa_index") in page and reverse("usersessions_list") in page


def test_the_admin_site_signs_in_through_allauth(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    response = client.get(reverse("admin:login"), {"next": "/admin/"})
    assert response["Location"] == "/login/?next=%2Fadmin%2F"

    response = client.post(
        "/login/?next=/admin/", {"login": staff.username, "password": PASSWORD, "next": "/admin/"}
    )
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
