"""Optional TOTP second factor (allauth.mfa): once activated, sign-in asks for the code."""

import base64
import hashlib
import hmac
import struct
import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from accounts.audit import Action
from accounts.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def totp_code(secret: str, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), written from the RFC, not taken from allauth."""
    counter = struct.pack(">Q", int(at or time.time()) // 30)
    digest = hmac.new(base64.b32decode(secret), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**6:06d}"


def test_sign_in_with_totp_needs_the_code(client, clinician):
    secret = generate_totp_secret()
    TOTP.activate(clinician, secret)

    response = client.post(reverse("login"), {"login": clinician.username, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # the password alone does not sign in

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    failed = AuditEvent.objects.get(action=Action.LOGIN_FAILED)  # audited, with the account
    assert (failed.actor, failed.outcome) == (clinician, "failure")
    assert failed.details["stage"] == "second_factor"
    assert failed.details["authenticator"] == "totp"

    right = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(clinician.pk)


def test_without_totp_the_password_signs_in(client, clinician):
    response = client.post(reverse("login"), {"login": clinician.username, "password": PASSWORD})
    assert response["Location"] == reverse("home")
