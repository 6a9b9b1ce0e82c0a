"""Sign-in through allauth's OpenID Connect code path against a real provider.

The provider (django-oauth-toolkit with OIDC, tests/oidc_provider) runs as its own process
on 127.0.0.1 with a fresh RSA key and a temporary SQLite database. The browser signs in
there; allauth fetches the provider's discovery document, exchanges the authorization code
at its token endpoint (PKCE), validates the ID token (issuer, audience, expiry) and reads
the userinfo endpoint. Google uses the same allauth code path with Google's endpoints.
"""

from __future__ import annotations

import copy
import selectors
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from audit.models import AuditEvent
from tests.conftest import REPO

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CLIENT_ID = "wavecardio-test"
CLIENT_SECRET = "test-client-secret-not-for-production"
USERNAME = "dr.oidc"
PASSWORD = "provider password 42"
EMAIL = "dr.oidc@hospital.example"


@dataclass
class Provider:
    url: str
    log: Path

    def requests_seen(self) -> str:
        return self.log.read_text()

    def allauth_settings(self, **app_settings) -> dict:
        return {
            "openid_connect": {
                "APPS": [
                    {
                        "provider_id": "hospital",
                        "name": "Hospital SSO",
                        "client_id": CLIENT_ID,
                        "secret": CLIENT_SECRET,
                        "settings": {"server_url": f"{self.url}/o", **app_settings},
                    }
                ],
                "OAUTH_PKCE_ENABLED": True,
            }
        }


@pytest.fixture(scope="module")
def oidc_provider(live_server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("oidc-provider")
    log = tmp / "requests.log"
    callback = f"{live_server.url}/accounts/oidc/hospital/login/callback/"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "tests.oidc_provider",
                "--db", str(tmp / "provider.sqlite3"),
                "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
                "--redirect-uri", callback,
                "--username", USERNAME, "--password", PASSWORD, "--email", EMAIL,
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )  # fmt: skip
    try:
        assert process.stdout is not None
        with selectors.DefaultSelector() as ready:
            ready.register(process.stdout, selectors.EVENT_READ)
            if not ready.select(timeout=60):
                pytest.fail(f"OIDC provider did not start: {log.read_text()}")
        line = process.stdout.readline()
        if not line.startswith("READY "):
            pytest.fail(f"OIDC provider failed: {line}{log.read_text()}")
        yield Provider(url=line.split()[1], log=log)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def configure(settings, oidc_provider):
    """Configure allauth for the provider, as OIDC_SERVER_URL & co. do in production."""

    def apply(**app_settings) -> None:
        settings.SOCIALACCOUNT_PROVIDERS = oidc_provider.allauth_settings(**app_settings)
        policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
        policy["DIRECTIVES"]["form-action"].append(oidc_provider.url)
        settings.CONTENT_SECURITY_POLICY = policy

    return apply


def sign_in_at_provider(page, live_server) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("button", name="Sign in with Hospital SSO").click()
    expect(page.get_by_role("heading", name="Hospital identity provider")).to_be_visible()
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_first_sign_in_creates_an_account_without_role(page, live_server, oidc_provider, configure):
    configure()

    sign_in_at_provider(page, live_server)

    expect(page.get_by_role("heading", name="Waiting for access")).to_be_visible()
    expect(page.locator("main")).to_contain_text("has no role yet")
    user = get_user_model().objects.get(email=EMAIL)
    assert user.username == USERNAME
    assert not user.groups.exists()
    account = SocialAccount.objects.get(user=user)
    assert account.provider == "hospital"
    assert account.extra_data["id_token"]["iss"] == f"{oidc_provider.url}/o"
    assert account.extra_data["id_token"]["aud"] == CLIENT_ID
    assert account.extra_data["userinfo"]["email"] == EMAIL
    assert AuditEvent.objects.filter(action="signup", actor=user).exists()
    seen = oidc_provider.requests_seen()
    for request in (
        "GET /o/.well-known/openid-configuration",
        "GET /o/authorize/",
        "POST /o/token/",
        "GET /o/userinfo/",
    ):
        assert request in seen, f"the provider never saw {request}:\n{seen}"

    # The second sign-in finds the same account (by the provider's subject), no new one.
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_role("button", name="Sign in with Hospital SSO").click()
    expect(page.get_by_role("heading", name="Waiting for access")).to_be_visible()
    assert get_user_model().objects.filter(email=EMAIL).count() == 1


def test_id_token_from_another_issuer_is_refused(page, live_server, oidc_provider, configure):
    """allauth checks the ID token's issuer against the discovery document: a token from the
    real provider does not pass for "https://idp.attacker.example"."""
    configure(openid_configuration_overrides={"issuer": "https://idp.attacker.example"})

    sign_in_at_provider(page, live_server)

    expect(page.locator("main")).to_contain_text("Third-Party Login Failure")
    assert not get_user_model().objects.filter(email=EMAIL).exists()
    assert "POST /o/token/" in oidc_provider.requests_seen()


def test_sso_sign_up_can_be_closed(page, live_server, oidc_provider, configure, settings):
    configure()
    settings.SSO_SIGNUP_OPEN = False

    sign_in_at_provider(page, live_server)

    expect(page.locator("main")).to_contain_text("Sign Up Closed")
    assert not get_user_model().objects.filter(email=EMAIL).exists()
