"""Admins invite users (name, e-mail, roles); the invitation link sets a password once;
everything audited; admins land on the home page with the waiting accounts."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from accounts.roles import Role, roles_of
from audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long new passphrase 42"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def invite(client, **fields):
    data = {
        "username": "dr.okafor",
        "first_name": "Ngozi",
        "last_name": "Okafor",
        "email": "n.okafor@hospital.example",
        "roles": ["clinician", "reviewer"],
        **fields,
    }
    return client.post(reverse("accounts:user_invite"), data)


def test_admin_invites_and_the_link_sets_a_password_once(admin_client, admin_user, client):
    response = invite(admin_client)
    assert response.status_code == 302
    user = get_user_model().objects.get(username="dr.okafor")
    assert user.get_full_name() == "Ngozi Okafor" and not user.has_usable_password()
    assert roles_of(user) == {Role.CLINICIAN, Role.REVIEWER}
    event = AuditEvent.objects.get(action="user_invited")
    assert event.actor == admin_user
    assert event.details["roles"] == ["clinician", "reviewer"]
    assert event.details["email"] == "n.okafor@hospital.example"

    (message,) = mail.outbox
    assert message.to == ["n.okafor@hospital.example"] and "dr.okafor" in message.body
    link = re.search(r"http://testserver(/accounts/invitation/\S+/)", str(message.body))
    assert link, message.body
    client.logout()
    form = client.get(link[1], follow=True)
    assert "Choose the password for" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302 and done["Location"] == reverse("login")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="invitation_accepted", actor=user).count() == 1
    assert EmailAddress.objects.get(user=user).verified
    again = client.get(link[1], follow=True).content.decode()
    assert "no longer works" in again


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"email": "not-an-address"}, "valid email"),
        ({"roles": ["wizard"]}, "Select a valid choice"),
        ({"username": "bad name!"}, "valid username"),
        ({"first_name": ""}, "required"),
    ],
)
def test_invalid_invitations_create_nothing(admin_client, fields, error):
    response = invite(admin_client, **fields)
    assert response.status_code == 400 and error in response.content.decode()
    assert not get_user_model().objects.filter(username="dr.okafor").exists()
    assert not mail.outbox


def test_taken_username_or_email_is_refused(admin_client):
    UserFactory(username="dr.taken", email="n.okafor@hospital.example")
    response = invite(admin_client, username="dr.other")
    assert response.status_code == 400 and "exists already" in response.content.decode()
    response = invite(admin_client, username="DR.TAKEN", email="x@hospital.example")
    assert response.status_code == 400 and "is taken" in response.content.decode()
    assert not AuditEvent.objects.filter(action="user_invited").exists()


def test_only_admins_invite(client, reviewer):
    client.force_login(reviewer)
    assert invite(client).status_code == 403
    assert not get_user_model().objects.filter(username="dr.okafor").exists()


def test_admins_see_waiting_accounts_whatever_other_roles(client):
    both = UserFactory(roles=[Role.ADMIN, Role.CLINICIAN])
    UserFactory(roles=[])
    client.force_login(both)
    page = client.get(reverse("home"))
    assert page.status_code == 200
    assert "1 account waiting for a role" in page.content.decode()
    assert reverse("classifier:recording_list") in page.content.decode()
    clinician = UserFactory(roles=[Role.CLINICIAN])
    client.force_login(clinician)
    assert client.get(reverse("home"))["Location"] == reverse("classifier:recording_list")


def test_admin_resends_an_unused_invitation(admin_client, admin_user):
    invite(admin_client)
    user = get_user_model().objects.get(username="dr.okafor")
    page = admin_client.get(reverse("accounts:user_detail", args=[user.pk])).content.decode()
    assert "No password set yet" in page
    url = reverse("accounts:user_invite_resend", args=[user.pk])
    done = admin_client.post(url, follow=True).content.decode()
    assert "E-mailed the invitation again." in done
    assert len(mail.outbox) == 2 and "/accounts/invitation/" in str(mail.outbox[1].body)
    resent = AuditEvent.objects.filter(action="user_invited").order_by("pk").last()
    assert resent is not None and resent.details["resent"] is True
    user.set_password(NEW_PASSWORD)
    user.save()
    again = admin_client.post(url, follow=True).content.decode()
    assert "has a password already" in again and len(mail.outbox) == 2
