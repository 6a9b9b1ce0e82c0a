"""What the schemathesis run found, pinned: page numbers typed as the schema says, every
answer documented (unknown model versions, missing pages), over-read labels as an enum."""

import pytest
import yaml

from tests.classifier.test_api_contract import assert_problem
from tests.conftest import REPO
from tests.factories import PredictionFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/recordings/"
SCHEMA = yaml.safe_load((REPO / "docs" / "openapi.yaml").read_text())


@pytest.mark.parametrize("page", ["last", "\u0662", " 1", "1_0", "1.0", "-1", "0"])
def test_a_page_that_is_not_a_positive_integer_is_a_400(clinician_client, page):
    body = assert_problem(clinician_client.get(LIST, {"page": page}), 400)
    assert body["errors"][0]["field"] == "page"


def test_a_repeated_page_is_a_400_and_a_page_past_the_end_a_documented_404(clinician_client):
    assert_problem(clinician_client.get(f"{LIST}?page=1&page=2"), 400)
    assert_problem(clinician_client.get(LIST, {"page": "7"}), 404)
    assert_problem(clinician_client.get(LIST, {"page": "9" * 30}), 404)
    assert clinician_client.get(LIST, {"page": "1"}).status_code == 200
    assert "404" in SCHEMA["paths"][LIST]["get"]["responses"]


def test_unknown_model_versions_are_a_documented_404(client, reviewer):
    client.force_login(reviewer)
    response = client.post(
        "/api/v1/classify/",
        {"signal": [0.0] * 2048, "sampling_rate_hz": 128, "model_version": "no-such"},
        content_type="application/json",
    )
    assert_problem(response, 404, "not_found")
    assert "404" in SCHEMA["paths"]["/api/v1/classify/"]["post"]["responses"]
    assert_problem(client.get("/api/v1/models/no-such/"), 404)
    assert "404" in SCHEMA["paths"]["/api/v1/models/{name}/"]["get"]["responses"]


def test_classify_documents_file_for_multipart_and_signal_for_json():
    content = SCHEMA["paths"]["/api/v1/classify/"]["post"]["requestBody"]["content"]
    schemas = SCHEMA["components"]["schemas"]
    multipart = schemas[content["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]]
    as_json = schemas[content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
    assert multipart["required"] == ["file"] and "signal" not in multipart["properties"]
    assert as_json["required"] == ["signal"] and "file" not in as_json["properties"]


def test_an_overread_label_outside_the_classes_is_refused_by_the_schema(client, reviewer):
    prediction = PredictionFactory.create()
    client.force_login(reviewer)
    response = client.post(f"{LIST}{prediction.recording.pk}/overread/", {"label": "0"})
    assert assert_problem(response, 400)["errors"][0]["field"] == "label"
    request = SCHEMA["components"]["schemas"]["OverReadRequest"]["properties"]["label"]
    enum = request["allOf"][0]["$ref"].rsplit("/", 1)[1]
    assert SCHEMA["components"]["schemas"][enum]["enum"] == [
        "ARR", "CHF", "NSR", "non-diagnostic",
    ]  # fmt: skip


def test_json_types_are_not_coerced(client, reviewer):
    prediction = PredictionFactory.create()
    client.force_login(reviewer)
    overread = client.post(
        f"{LIST}{prediction.recording.pk}/overread/",
        {"label": "ARR", "comment": 0},
        content_type="application/json",
    )
    assert assert_problem(overread, 400)["errors"][0]["field"] == "comment"
    for field, value in [("sampling_rate_hz", "128"), ("windows", 1), ("model_version", 6)]:
        body = {"signal": [0.0] * 2048, "sampling_rate_hz": 128, field: value}
        response = client.post("/api/v1/classify/", body, content_type="application/json")
        assert assert_problem(response, 400)["errors"][0]["field"] == field


@pytest.mark.parametrize("body", ["null", "[]", "7"])
def test_a_patient_patch_that_is_not_an_object_is_a_400(clinician_client, clinician, body):
    from tests.factories import RecordingFactory

    recording = RecordingFactory.create(owner=clinician)
    response = clinician_client.patch(
        f"{LIST}{recording.pk}/", body, content_type="application/json"
    )
    errors = assert_problem(response, 400)["errors"]
    assert "patient fields" in errors[0]["message"]


def test_an_empty_list_parameter_is_a_400_not_ignored(clinician_client):
    body = assert_problem(clinician_client.get(f"{LIST}?uploaded_to="), 400)
    assert body["errors"][0]["field"] == "uploaded_to"


def test_a_patient_reference_sent_as_a_json_number_is_refused(clinician_client, clinician):
    from tests.factories import RecordingFactory

    recording = RecordingFactory.create(owner=clinician)
    response = clinician_client.patch(
        f"{LIST}{recording.pk}/", {"patient_ref": 0}, content_type="application/json"
    )
    assert assert_problem(response, 400)["errors"][0]["field"] == "patient_ref"
