"""`manage.py bootstrap_admin` creates a local admin who signs in through allauth's form."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.roles import Role, roles_of

pytestmark = pytest.mark.django_db


def test_bootstrap_admin_can_sign_in_and_manage_users(client, monkeypatch):
    monkeypatch.setenv("WAVECARDIO_ADMIN_PASSWORD", "bootstrap passphrase 7")
    call_command("bootstrap_admin", "--username", "root-admin")
    call_command("bootstrap_admin", "--username", "root-admin")  # idempotent

    response = client.post(
        reverse("login"), {"login": "root-admin", "password": "bootstrap passphrase 7"}
    )
    assert response.status_code == 302
    user = response.wsgi_request.user
    assert roles_of(user) == {Role.ADMIN, Role.CLINICIAN}
    assert client.get(reverse("accounts:user_list")).status_code == 200
