"""Personal API tokens: REST API access without a session, shown once, stored as a hash,
limited, revocable by the owner or an admin, revoked with the account, audited."""

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken
from accounts.roles import Role
from audit.models import AuditEvent
from classifier.core.errors import PermissionDenied
from classifier.models import Recording
from tests.factories import ApiTokenFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/recordings/"
MY_ACCOUNT = reverse("accounts:my_account")
CREATE = reverse("accounts:api_token_create")


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def new_token(user, name="nightly export", days=90) -> tuple[ApiToken, str]:
    return services.api_token_create(user=user, name=name, days=days)


def revoke_url(token) -> str:
    return reverse("accounts:api_token_revoke", args=[token.pk])


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# --- the API with a token ---------------------------------------------------------------------


def test_token_lists_recordings_and_uploads_without_a_csrf_token(clinician, recording_path):
    _, key = new_token(clinician)
    api = Client(enforce_csrf_checks=True)  # no session, no CSRF cookie: a script

    assert api.get(LIST, headers=bearer(key)).status_code == 200
    with open(recording_path, "rb") as handle:
        response = api.post(LIST, {"file": handle, "sampling_rate_hz": 128}, headers=bearer(key))

    assert response.status_code in {201, 202}, response.content
    recording = Recording.objects.get(pk=response.json()["id"])
    assert recording.owner == clinician
    [uploaded] = events("recording_uploaded")
    assert uploaded.actor == clinician


def test_session_uploads_still_need_the_csrf_token(clinician, recording_path):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(clinician)
    with open(recording_path, "rb") as handle:
        response = browser.post(LIST, {"file": handle, "sampling_rate_hz": 128})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def expire(token):
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))


def deactivate_owner(token):
    token.user.is_active = False
    token.user.save(update_fields=["is_active"])


def revoke(token):
    services.api_token_revoke(token=token, actor=token.user)


@pytest.mark.parametrize(
    ("spoil", "header"),
    [
        (None, "Bearer wc_no-such-key"),
        (revoke, None),
        (expire, None),
        (deactivate_owner, None),
        (None, "Bearer"),
        (None, "Bearer two words"),
    ],
    ids=["unknown", "revoked", "expired", "inactive-user", "no-key", "malformed"],
)
def test_refused_keys_answer_401_with_one_clear_message(client, clinician, spoil, header):
    token, key = new_token(clinician)
    if spoil:
        spoil(token)
    response = client.get(LIST, headers={"Authorization": header or f"Bearer {key}"})
    assert response.status_code == 401
    assert response.json()["detail"] == "invalid or expired API token"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_permissions_are_the_owners_roles_at_request_time(client, clinician, admin_user):
    _, key = new_token(clinician)
    assert client.get(LIST, headers=bearer(key)).status_code == 200

    services.role_revoke(actor=admin_user, user=clinician, role=Role.CLINICIAN)

    response = client.get(LIST, headers=bearer(key))
    assert response.status_code == 403  # authenticated, no longer allowed
    assert response.json()["detail"] == "missing permission: classifier.upload_recording"


def test_last_used_at_is_written_at_most_once_a_minute(client, clinician):
    token, key = new_token(clinician)
    assert token.last_used_at is None

    client.get(LIST, headers=bearer(key))
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None

    with CaptureQueriesContext(connection) as queries:
        client.get(LIST, headers=bearer(key))
    writes = [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "apitoken" in q["sql"]]
    assert writes == []
    token.refresh_from_db()
    assert token.last_used_at == first_use

    a_minute_ago = timezone.now() - dt.timedelta(seconds=61)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=a_minute_ago)
    client.get(LIST, headers=bearer(key))
    token.refresh_from_db()
    assert token.last_used_at > a_minute_ago


def test_openapi_schema_documents_the_bearer_scheme(client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    scheme = schema["components"]["securitySchemes"]["apiToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert {"apiToken": []} in schema["paths"][LIST]["get"]["security"]


# --- creating: the key exists once ------------------------------------------------------------


def test_only_the_hash_of_the_key_is_stored(clinician):
    token, key = new_token(clinician)

    assert key.startswith("wc_") and len(key) > 40
    token.refresh_from_db()
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:8]
    stored = str(list(ApiToken.objects.values())) + str(list(AuditEvent.objects.values()))
    assert key not in stored
    assert key[8:16] not in stored  # not even a part beyond the shown prefix


def test_the_key_is_shown_once_right_after_creation(client, clinician):
    client.force_login(clinician)

    response = client.post(CREATE, {"name": "nightly export", "days": "30"})

    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    [token] = ApiToken.objects.filter(user=clinician)
    page = response.content.decode()
    key = page.split('id="new-api-token-key">')[1].split("<")[0]
    assert ApiToken.hash_key(key) == token.key_hash
    assert "cannot be shown again" in page
    assert f'curl -H "Authorization: Bearer {key}" http://testserver/api/v1/recordings/' in page
    assert token.expires_at - token.created_at == dt.timedelta(days=30)

    later = client.get(MY_ACCOUNT).content.decode()
    assert key not in later
    assert "nightly export" in later and f"{token.prefix}…" in later


def test_default_lifetime_is_90_days(clinician):
    token, _ = services.api_token_create(user=clinician, name="script")
    assert token.expires_at - token.created_at == dt.timedelta(days=90)


def test_creation_is_audited_once_without_the_key(clinician):
    token, key = new_token(clinician)

    [event] = events("api_token_created")
    assert event.actor == clinician
    assert (event.target_type, event.target_id) == ("ApiToken", str(token.pk))
    assert event.details["name"] == "nightly export"
    assert event.details["prefix"] == token.prefix
    assert event.details["user"] == clinician.username
    assert key not in str(event.details)


@pytest.mark.parametrize(
    ("name", "days", "message"),
    [
        ("  ", 90, "Give the token a name"),
        ("x" * 101, 90, "at most 100"),
        ("script", 7, "Choose a lifetime of 30, 90 or 365 days."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(clinician, name, days, message):
    with pytest.raises(ValidationError, match=message):
        services.api_token_create(user=clinician, name=name, days=days)
    assert not ApiToken.objects.exists()
    assert events("api_token_created") == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "days": "90"}, "This field is required."),
        ({"name": "script", "days": "7"}, "Select a valid choice."),
    ],
)
def test_bad_input_in_the_form_is_shown_on_the_page(client, clinician, data, message):
    client.force_login(clinician)
    response = client.post(CREATE, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_eleventh_active_token_is_refused(client, clinician):
    tokens = [new_token(clinician, name=f"script {n}")[0] for n in range(10)]
    with pytest.raises(ValidationError, match="already have 10 active API tokens"):
        new_token(clinician)

    client.force_login(clinician)
    response = client.post(CREATE, {"name": "one more", "days": "90"})
    assert response.status_code == 400
    assert "You already have 10 active API tokens; revoke one" in response.content.decode()
    assert ApiToken.objects.filter(user=clinician).count() == 10

    revoke(tokens[0])  # revoked and expired tokens do not count
    expire(tokens[1])
    new_token(clinician, name="replacement")
    new_token(clinician, name="another replacement")


def test_users_without_a_role_cannot_create_tokens(client, no_role_user):
    with pytest.raises(PermissionDenied):
        new_token(no_role_user)

    client.force_login(no_role_user)
    page = client.get(MY_ACCOUNT).content.decode()
    assert "once an administrator has granted you a role" in page
    assert CREATE not in page
    assert client.post(CREATE, {"name": "script", "days": "90"}).status_code == 403
    assert not ApiToken.objects.exists()


# --- revoking ---------------------------------------------------------------------------------


def test_owner_revokes_a_token_once_audited(client, clinician):
    token, key = new_token(clinician)
    client.force_login(clinician)

    response = client.post(revoke_url(token))

    assert response.status_code == 302 and response["Location"] == MY_ACCOUNT
    assert client.get(LIST, headers=bearer(key)).status_code == 401
    page = client.get(MY_ACCOUNT).content.decode()
    assert 'Revoked the API token "nightly export".' in page.replace("&quot;", '"')
    assert "revoked" in page

    client.post(revoke_url(token))  # again: nothing changes, nothing recorded
    [event] = events("api_token_revoked")
    assert event.actor == clinician
    assert (event.target_type, event.target_id) == ("ApiToken", str(token.pk))
    assert event.details == {
        "user": clinician.username,
        "name": "nightly export",
        "prefix": token.prefix,
    }


def test_revoke_is_idempotent(clinician):
    token, _ = new_token(clinician)
    assert services.api_token_revoke(token=token, actor=clinician)
    assert not services.api_token_revoke(token=token, actor=clinician)
    assert len(events("api_token_revoked")) == 1


def test_someone_elses_token_answers_404_to_a_clinician(client, clinician, other_clinician):
    token, key = new_token(other_clinician)
    client.force_login(clinician)

    assert client.post(revoke_url(token)).status_code == 404

    token.refresh_from_db()
    assert token.revoked_at is None
    assert client.get(LIST, headers=bearer(key)).status_code == 200
    assert events("api_token_revoked") == []
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(token=token, actor=clinician)


def test_an_admin_sees_and_revokes_a_users_tokens(client, admin_user, clinician):
    token, key = new_token(clinician)
    detail = reverse("accounts:user_detail", args=[clinician.pk])
    client.force_login(admin_user)
    page = client.get(detail).content.decode()
    assert "nightly export" in page and revoke_url(token) in page

    response = client.post(revoke_url(token))

    assert response.status_code == 302 and response["Location"] == detail
    assert Client().get(LIST, headers=bearer(key)).status_code == 401
    [event] = events("api_token_revoked")
    assert event.actor == admin_user
    assert event.target_id == str(token.pk)
    assert event.details["user"] == clinician.username


def test_deactivating_the_account_revokes_its_tokens(client, admin_user, clinician):
    tokens = [new_token(clinician, name=name) for name in ("one", "two")]
    already_revoked = ApiTokenFactory.create(user=clinician, revoked_at=timezone.now())

    services.account_deactivate(actor=admin_user, user=clinician)
    services.account_activate(actor=admin_user, user=clinician)  # does not bring them back

    for token, key in tokens:
        token.refresh_from_db()
        assert token.revoked_at is not None
        assert client.get(LIST, headers=bearer(key)).status_code == 401
    [deactivated] = events("account_deactivated")
    assert deactivated.details["api_tokens_revoked"] == 2
    assert ApiToken.objects.get(pk=already_revoked.pk).revoked_at == already_revoked.revoked_at
