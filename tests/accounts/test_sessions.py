"""Deactivation signs the account out everywhere; inactive accounts cannot sign in."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts import services
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def sign_in(username: str, **headers) -> Client:
    client = Client(**headers)
    response = client.post(reverse("login"), {"login": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def test_deactivation_ends_every_session_of_the_user(admin_user, clinician):
    laptop = sign_in(clinician.username, HTTP_USER_AGENT="laptop")
    ward_pc = sign_in(clinician.username, HTTP_USER_AGENT="ward pc", REMOTE_ADDR="10.1.2.3")
    admin_page = Client()
    admin_page.force_login(clinician)  # a session allauth did not see (e.g. the admin site)
    bystander = sign_in(UserFactory.create().username)
    assert laptop.get(reverse("classifier:recording_list")).status_code == 200

    services.account_deactivate(actor=admin_user, user=clinician)

    for client in (laptop, ward_pc, admin_page):
        response = client.get(reverse("classifier:recording_list"))
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    keys = {client.session.session_key for client in (laptop, ward_pc, admin_page)}
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert bystander.get(reverse("accounts:no_access")).status_code == 200  # others untouched


def test_a_deactivated_account_cannot_sign_in(admin_user, clinician):
    services.account_deactivate(actor=admin_user, user=clinician)

    response = Client().post(
        reverse("login"), {"login": clinician.username, "password": PASSWORD}, follow=True
    )

    assert not response.wsgi_request.user.is_authenticated
    assert response.redirect_chain[-1][0] == reverse("account_inactive")


def test_sessions_end_when_the_browser_closes(clinician):
    client = sign_in(clinician.username)
    cookie = client.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""  # a browser-session cookie
