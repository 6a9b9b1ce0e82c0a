"""CORS (issue 16): browser apps on an allowed origin may call /api/; a preflight never
answers 401; other origins and other paths get no CORS headers at all."""

import pytest

from tests.factories import ApiTokenFactory, RecordingFactory

pytestmark = pytest.mark.django_db

ALLOWED = "https://ehr.example.org"
LIST = "/api/v1/recordings/"


@pytest.fixture(autouse=True)
def _allowed_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED]


def preflight(client, path, origin, method="POST"):
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, idempotency-key, content-type",
        },
    )


def test_a_preflight_from_an_allowed_origin_is_answered_without_credentials(client):
    response = preflight(client, LIST, ALLOWED)
    assert response.status_code == 200  # not 401: browsers send preflights without a token
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    allowed_headers = response["Access-Control-Allow-Headers"].lower()
    assert {"authorization", "idempotency-key", "content-type"} <= {
        name.strip() for name in allowed_headers.split(",")
    }
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response  # bearer tokens, not cookies


def test_another_origin_gets_no_cors_headers(client):
    response = preflight(client, LIST, "https://evil.example.com")
    assert response.status_code == 200  # answered, but the browser will refuse it
    assert not [name for name in response.headers if name.lower().startswith("access-control")]


def test_only_the_api_speaks_cors(client):
    response = preflight(client, "/recordings/", ALLOWED)
    assert "Access-Control-Allow-Origin" not in response


def test_an_actual_call_exposes_the_headers_clients_need(client, clinician):
    ApiTokenFactory.create(user=clinician, key="wc_cors-test-key")
    recording = RecordingFactory.create(owner=clinician)
    response = client.get(
        f"{LIST}{recording.pk}/file/",
        headers={"Origin": ALLOWED, "Authorization": "Bearer wc_cors-test-key"},
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    exposed = {
        name.strip().lower() for name in response["Access-Control-Expose-Headers"].split(",")
    }
    assert {"location", "retry-after", "etag", "x-request-id"} <= exposed


def test_by_default_no_origin_is_allowed(client, settings):
    settings.CORS_ALLOWED_ORIGINS = []
    assert "Access-Control-Allow-Origin" not in preflight(client, LIST, ALLOWED)
