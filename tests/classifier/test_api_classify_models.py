"""POST /api/v1/classify/ (stateless: nothing stored but the audit event) and the model
versions API (list, one card, the active one)."""

import json

import numpy as np
import pytest

from audit.models import AuditEvent
from classifier.models import ModelVersion, Recording
from tests.classifier.test_api_contract import assert_problem

pytestmark = pytest.mark.django_db

CLASSIFY = "/api/v1/classify/"
MODELS = "/api/v1/models/"


def test_a_file_is_classified_and_nothing_is_stored(clinician_client, recording_path):
    with open(recording_path, "rb") as handle:
        response = clinician_client.post(
            CLASSIFY, {"file": handle, "sampling_rate_hz": 128, "windows": "true"}
        )
    assert response.status_code == 200, response.content
    body = response.json()
    active = ModelVersion.objects.get(is_active=True)
    assert body["model_version"] == active.name
    assert body["file"] == recording_path.name
    assert body["label"] in {"ARR", "CHF", "NSR", "uncertain"}
    assert sum(body["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)
    assert len(body["windows"]) == body["n_windows"] > 0
    assert not Recording.objects.exists()
    event = AuditEvent.objects.get(action="signal_classified")
    assert event.details["label"] == body["label"]
    assert event.details["model_version"] == active.name


def test_the_cli_and_the_api_return_the_same_fields(clinician_client, recording_path):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("classify", str(recording_path), "--rate", "128", "--json", stdout=out)
    cli = json.loads(out.getvalue().splitlines()[0])
    with open(recording_path, "rb") as handle:
        api = clinician_client.post(CLASSIFY, {"file": handle, "sampling_rate_hz": 128}).json()
    assert set(cli) - {"elapsed_s"} == set(api)
    for name in ("label", "probabilities", "burden", "n_windows", "leads", "model_version"):
        assert cli[name] == api[name], name


def test_a_json_signal_is_classified(clinician_client):
    t = np.arange(30 * 128) / 128
    signal = (np.sin(2 * np.pi * 1.2 * t) ** 20).round(4).tolist()  # 72 peaks/min, 30 s
    response = clinician_client.post(
        CLASSIFY, {"signal": signal, "sampling_rate_hz": 128}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["leads"] == ["lead 1"]


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "signal"), ({"signal": [0.0] * 2000, "file": "x"}, "file")],  # not a file
)
def test_exactly_one_of_file_and_signal(clinician_client, body, field):
    response = clinician_client.post(CLASSIFY, body, content_type="application/json")
    assert field in [e["field"] for e in assert_problem(response, 400)["errors"]]


def test_long_recordings_must_be_uploaded_instead(clinician_client, settings):
    settings.WAVECARDIO = {**settings.WAVECARDIO, "MAX_STATELESS_SECONDS": 20.0}
    response = clinician_client.post(
        CLASSIFY, {"signal": [0.0, 1.0] * 1920, "sampling_rate_hz": 128},
        content_type="application/json",
    )  # fmt: skip
    assert (
        "upload it as a recording" in assert_problem(response, 400, "invalid_recording")["detail"]
    )


def test_only_admins_and_reviewers_choose_a_model_version(client, clinician, reviewer):
    other = ModelVersion.objects.exclude(is_active=True).first()
    assert other is not None
    signal = {"signal": [0.0, 1.0] * 1920, "sampling_rate_hz": 128, "model_version": other.name}
    client.force_login(clinician)
    assert_problem(client.post(CLASSIFY, signal, content_type="application/json"), 403)
    client.force_login(reviewer)
    response = client.post(CLASSIFY, signal, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["model_version"] == other.name


def test_the_model_versions_and_their_cards(clinician_client):
    listed = clinician_client.get(MODELS).json()
    names = {version["name"] for version in listed}
    assert names == set(ModelVersion.objects.values_list("name", flat=True))
    active = clinician_client.get(f"{MODELS}active/").json()
    assert active["is_active"]
    assert active["card"]["version"] == active["name"]
    assert active["classes"] == ["ARR", "CHF", "NSR"]
    one = clinician_client.get(f"{MODELS}{active['name']}/").json()
    assert one == active
    assert_problem(clinician_client.get(f"{MODELS}no-such-model/"), 404, "not_found")
