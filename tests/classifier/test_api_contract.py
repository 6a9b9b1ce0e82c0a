"""API v1's contract: one error shape (RFC 9457) for every status, request ids, correct
HTTP (no lossy redirects, Location, Retry-After, ETag), strict query parameters."""

import io

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

from accounts.roles import Role
from classifier import services, tasks
from classifier.models import Recording
from tests.conftest import REPO
from tests.factories import RecordingFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/recordings/"
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "code", "request_id"}


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= PROBLEM_KEYS, body
    assert body["status"] == status
    assert body["request_id"] == response["X-Request-ID"]
    assert body["type"].startswith("urn:wavecardio:problem:")
    if code is not None:
        assert body["code"] == code
    return body


@pytest.fixture
def own(clinician):
    return RecordingFactory.create(owner=clinician)


def test_401_403_404_405_and_415_share_the_problem_shape(client, clinician, auditor, own):
    assert_problem(client.get(LIST), 401)
    client.force_login(auditor)
    assert_problem(client.get(LIST), 403, "permission_denied")
    client.force_login(clinician)
    assert_problem(client.get(f"{LIST}00000000-0000-0000-0000-000000000000/"), 404)
    assert_problem(client.get("/api/v1/no-such-endpoint/"), 404, "not_found")  # router miss
    assert_problem(client.put(f"{LIST}{own.pk}/", {}), 405, "method_not_allowed")
    assert_problem(
        client.post(LIST, '{"file": 1}', content_type="application/json"),
        415,
        "unsupported_media_type",
    )


def test_400_lists_each_invalid_field(clinician_client):
    body = assert_problem(clinician_client.post(LIST, {}), 400, "invalid")
    assert body["errors"] == [{"field": "file", "message": "No file was submitted."}]


def test_409_when_the_state_forbids_it(client, reviewer):
    client.force_login(reviewer)
    waiting = RecordingFactory.create(owner=reviewer)  # no prediction to over-read
    response = client.post(f"{LIST}{waiting.pk}/overread/", {"label": "NSR"})
    assert "over-read" in assert_problem(response, 409, "conflict")["detail"]


def test_413_for_an_oversize_json_body(clinician_client, settings, own):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = clinician_client.post(
        f"{LIST}{own.pk}/overread/", "x" * 5000, content_type="application/json"
    )
    assert response.status_code in (403, 413)  # a clinician may not over-read at all
    reviewer = UserFactory.create(roles=[Role.REVIEWER])
    clinician_client.force_login(reviewer)
    response = clinician_client.post(
        f"{LIST}{own.pk}/overread/", '{"label": "' + "x" * 5000 + '"}',
        content_type="application/json",
    )  # fmt: skip
    assert_problem(response, 413, "request_too_large")


def test_500_is_a_problem_with_the_request_id_to_quote(clinician, own, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(clinician)

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "recording_view", broken)
    body = assert_problem(client.get(f"{LIST}{own.pk}/"), 500, "server_error")
    assert "boom" not in body["detail"]  # no internals to the caller


def test_a_well_formed_request_id_from_a_proxy_is_kept(clinician_client):
    response = clinician_client.get(LIST, headers={"X-Request-ID": "proxy-1234abcd"})
    assert response["X-Request-ID"] == "proxy-1234abcd"
    forged = clinician_client.get(LIST, headers={"X-Request-ID": "<script>"})
    assert forged["X-Request-ID"] != "<script>"


def test_a_post_without_the_trailing_slash_is_redirected_keeping_its_body(
    clinician_client, recording_path
):
    with open(recording_path, "rb") as handle:
        redirected = clinician_client.post(
            LIST.rstrip("/"), {"file": handle, "sampling_rate_hz": 128}
        )
    assert redirected.status_code == 308  # never 301: clients re-send those as GET
    assert redirected["Location"] == LIST  # a client re-sends the same POST there


def test_a_created_recording_has_its_location(clinician_client, recording_path):
    with open(recording_path, "rb") as handle:
        response = clinician_client.post(LIST, {"file": handle, "sampling_rate_hz": 128})
    assert response.status_code in (201, 202), response.content
    recording = Recording.objects.get()
    assert response["Location"].endswith(f"{LIST}{recording.pk}/")


def test_a_202_says_when_to_look_again(clinician_client, recording_path, monkeypatch):
    monkeypatch.setattr(tasks.predict_recording, "apply_async", lambda *a, **k: None)  # queued
    with open(recording_path, "rb") as handle:
        response = clinician_client.post(LIST, {"file": handle, "sampling_rate_hz": 128})
    assert response.status_code == 202, response.content
    assert int(response["Retry-After"]) > 0
    assert response["Location"].endswith(f"{LIST}{Recording.objects.get().pk}/")


@pytest.mark.parametrize(
    ("endpoint", "query", "field"),
    [
        ("signal", "colour=red", "colour"),  # unknown parameter
        ("signal", "start_s=5&end_s=2", "end_s"),  # inverted range
        ("signal", "start_s=1e308", "start_s"),
        ("signal", "start_s=56", "start_s"),  # after the end of a 10-s recording
        ("signal", "lead=5", "lead"),  # one lead only
        ("scalogram", "start_s=5", "start_s"),  # less than one 8-s window left
        ("scalogram", "lead=1", "lead"),
        ("scalogram", "end_s=700", "end_s"),
    ],
)
def test_bad_parameters_answer_400_naming_the_field(clinician_client, own, endpoint, query, field):
    body = assert_problem(clinician_client.get(f"{LIST}{own.pk}/{endpoint}/?{query}"), 400)
    assert field in [error["field"] for error in body["errors"]]


def test_unknown_list_parameters_are_refused(clinician_client):
    body = assert_problem(clinician_client.get(f"{LIST}?colour=red"), 400)
    assert body["errors"][0]["field"] == "colour"


def test_the_signal_honours_lead(client, clinician):
    two_leads = RecordingFactory.create(owner=clinician, leads=["MLII", "V5"])
    client.force_login(clinician)
    both = client.get(f"{LIST}{two_leads.pk}/signal/").json()
    assert len(both["leads"]) == 1  # the factory's file holds one lead
    only = client.get(f"{LIST}{two_leads.pk}/signal/?lead=0").json()
    assert only["lead_names"] == both["lead_names"]
    assert only["leads"] == both["leads"]


@pytest.mark.parametrize("endpoint", ["file", "scalogram"])
def test_immutable_resources_carry_an_etag_and_answer_304(clinician_client, own, endpoint):
    url = f"{LIST}{own.pk}/{endpoint}/"
    first = clinician_client.get(url)
    assert first.status_code == 200
    assert first["Cache-Control"] == "private, no-store"
    etag = first["ETag"]
    if endpoint == "file":
        assert etag == f'"{own.sha256}"'
        assert first["Content-Type"] == "application/octet-stream"
    again = clinician_client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again["ETag"] == etag
    other_span = clinician_client.get(f"{url}?start_s=1", headers={"If-None-Match": etag})
    assert other_span.status_code == (304 if endpoint == "file" else 200)


def test_the_committed_schema_is_the_code_s_schema():
    """docs/openapi.yaml is what integrators read: regenerate it (make schema) with the code."""
    generated = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=generated)
    committed = (REPO / "docs" / "openapi.yaml").read_text()
    assert generated.getvalue() == committed, "docs/openapi.yaml is stale: run make schema"


def test_the_schema_types_the_upload_as_binary_and_the_label_as_an_enum():
    schema = yaml.safe_load((REPO / "docs" / "openapi.yaml").read_text())
    upload = schema["components"]["schemas"]["RecordingUploadRequest"]["properties"]["file"]
    assert upload["format"] == "binary"
    labels = schema["components"]["schemas"]["LabelEnum"]["enum"]
    assert "uncertain" in labels
    assert "ProblemSerializer" not in schema["components"]["schemas"]
    assert "Problem" in schema["components"]["schemas"]
