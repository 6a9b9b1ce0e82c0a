"""Optional TOTP second factor (allauth.mfa): once activated, sign-in asks for the code."""

import base64
import hashlib
import hmac
import struct
from types import SimpleNamespace

import pytest
from allauth.mfa.totp.internal import auth as allauth_totp
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import Action
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

# RFC 6238's SHA-1 test secret ("12345678901234567890") and one of its test instants.
SECRET = base64.b32encode(b"12345678901234567890").decode()
NOW = 1_111_111_109.0  # 2005-03-18 01:58:29 UTC, 29 s into its 30-s step


def totp_code(secret: str, at: float) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), written from the RFC, not taken from allauth."""
    counter = struct.pack(">Q", int(at) // 30)
    digest = hmac.new(base64.b32decode(secret), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**6:06d}"


@pytest.fixture
def frozen_totp_clock(monkeypatch):
    """allauth's TOTP reads the step from ``time.time()`` of its own module: pin it to NOW,
    so a code computed for NOW can never fall into the next 30-s step before it is checked."""
    monkeypatch.setattr(allauth_totp, "time", SimpleNamespace(time=lambda: NOW))
    return NOW


def test_the_code_helper_matches_the_rfc_test_vectors():
    # RFC 6238 appendix B (8 digits there; the 6-digit code is its last 6).
    assert totp_code(SECRET, 59) == "287082"
    assert totp_code(SECRET, NOW) == "081804"


def test_sign_in_with_totp_needs_the_code(client, clinician, frozen_totp_clock):
    TOTP.activate(clinician, SECRET)

    response = client.post(reverse("login"), {"login": clinician.username, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # the password alone does not sign in

    # A real code of this secret, but for five minutes later: not valid now.
    later = totp_code(SECRET, frozen_totp_clock + 300)
    assert later != totp_code(SECRET, frozen_totp_clock)
    wrong = client.post(reverse("mfa_authenticate"), {"code": later})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    failed = AuditEvent.objects.get(action=Action.LOGIN_FAILED)  # audited, with the account
    assert (failed.actor, failed.outcome) == (clinician, "failure")
    assert failed.details["stage"] == "second_factor"
    assert failed.details["authenticator"] == "totp"

    right = client.post(reverse("mfa_authenticate"), {"code": totp_code(SECRET, frozen_totp_clock)})
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(clinician.pk)


def test_without_totp_the_password_signs_in(client, clinician):
    response = client.post(reverse("login"), {"login": clinician.username, "password": PASSWORD})
    assert response["Location"] == reverse("home")
