"""Sign-in configuration from the environment: providers, buttons, verification, lockout."""

import json
import os
import subprocess
import sys

import pytest
from django.urls import reverse

from tests.conftest import REPO
from tests.test_settings import PRODUCTION_ENV

SHOW = (
    "import json; from django.conf import settings as s; print(json.dumps({"
    "'providers': s.SOCIALACCOUNT_PROVIDERS, 'verification': s.ACCOUNT_EMAIL_VERIFICATION,"
    "'form_action': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'],"
    "'signup': s.SIGNUP_OPEN, 'sso_signup': s.SSO_SIGNUP_OPEN,"
    "'lockout': [s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds()]}))"
)
AUTH_VARS = {
    "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "OIDC_PROVIDER_ID", "OIDC_PROVIDER_NAME",
    "OIDC_SERVER_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "ACCOUNT_EMAIL_VERIFICATION",
    "SIGNUP_OPEN", "SSO_SIGNUP_OPEN", "AXES_FAILURE_LIMIT", "AXES_COOLOFF_MINUTES",
}  # fmt: skip


def settings_with(env: dict, module: str = "ecgsite.settings.test") -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in AUTH_VARS}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {SHOW}"],
        cwd=REPO,
        env={**clean, "DJANGO_SETTINGS_MODULE": module, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_provider_without_client_ids():
    shown = settings_with({})
    assert shown["providers"] == {}
    assert shown["form_action"] == ["'self'"]
    assert shown["verification"] == "optional"
    assert shown["signup"] and shown["sso_signup"]


def test_providers_from_environment():
    shown = settings_with(
        {
            "GOOGLE_CLIENT_ID": "g-id",
            "GOOGLE_CLIENT_SECRET": "g-secret",
            "OIDC_PROVIDER_ID": "stmary",
            "OIDC_PROVIDER_NAME": "St Mary's sign-in",
            "OIDC_SERVER_URL": "https://sso.stmary.example/realms/staff",
            "OIDC_CLIENT_ID": "wavecardio",
            "OIDC_CLIENT_SECRET": "o-secret",
            "SIGNUP_OPEN": "false",
            "AXES_FAILURE_LIMIT": "10",
            "AXES_COOLOFF_MINUTES": "30",
        }
    )
    google = shown["providers"]["google"]
    assert google["APPS"] == [{"client_id": "g-id", "secret": "g-secret"}]
    assert google["OAUTH_PKCE_ENABLED"]
    [oidc] = shown["providers"]["openid_connect"]["APPS"]
    assert oidc == {
        "provider_id": "stmary",
        "name": "St Mary's sign-in",
        "client_id": "wavecardio",
        "secret": "o-secret",
        "settings": {"server_url": "https://sso.stmary.example/realms/staff"},
    }
    assert shown["form_action"] == [
        "'self'",
        "https://accounts.google.com",
        "https://sso.stmary.example",
    ]
    assert shown["signup"] is False
    assert shown["lockout"] == [10, 1800.0]


def test_production_requires_email_verification():
    assert settings_with(PRODUCTION_ENV, "ecgsite.settings.production")["verification"] == (
        "mandatory"
    )


@pytest.mark.django_db
def test_buttons_only_for_configured_providers(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "stmary",
                    "name": "St Mary's",
                    "client_id": "x",
                    "secret": "y",
                    "settings": {"server_url": "https://sso.stmary.example"},
                }
            ]
        }
    }
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with St Mary&#x27;s" in page
    assert 'action="/accounts/oidc/stmary/login/' in page
    assert "Google" not in page
